"""gunicorn's settings for Lärnav: ``gunicorn larnav.wsgi`` run from this directory reads them
(flags on the command line win). bench/registration_rush.py serves with them too.

Threaded workers, one process more than there are CPUs, two threads each:
about three requests in progress per CPU. A thread that waits for PostgreSQL
(or for a session's row lock) leaves the CPU to the others, a slow request (a
PDF, an export) does not stop its process, and with few requests in progress
the one holding a session's lock is soon back on a CPU to finish and let the
next one in. The layouts measured with bench/registration_rush.py, and their
figures, are in README ("Benchmarks") and the bench's docstring.

A worker keeps every keep-alive connection it accepts. When many connections
open at once (a proxy's pool of upstream connections, a crowd of clients), one
worker may take nearly all of them while the others idle: set
``--worker-connections`` (a worker stops accepting at that many open
connections, and the rest go to the other workers) to the pool's size divided
by the number of workers, rounded up.
"""

import os

bind = "0.0.0.0:8000"
worker_class = "gthread"
workers = (os.cpu_count() or 1) + 1
threads = 2
