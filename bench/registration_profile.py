"""Where one API registration spends its time: queries and CPU, in-process, one at a time.

Run by hand (needs PostgreSQL; uses a scratch database it creates and drops):

    .venv/bin/python bench/registration_profile.py [--registrations 400] [--profile] [--queries]

It builds the same data as bench/registration_rush.py and sends POST
/api/v1/sessions/{id}/registrations straight to Lärnav's WSGI application (no
server, no network, no concurrency), so what it prints is Lärnav's own cost:
queries per registration and CPU milliseconds per registration, for
registrations that get a seat and for those that go to the waiting list.
``--profile`` adds the cProfile functions with the most cumulative time,
``--queries`` the SQL of one confirmed and one waitlisted registration.
``--callgrind`` counts machine instructions instead of trusting CPU time on a
shared machine (the figure does not change with the load; run from a scratch
directory, where valgrind leaves its files)::

    valgrind --tool=callgrind --instr-atstart=no .venv/bin/python bench/registration_profile.py \
        --callgrind --registrations 30

``--hello`` measures the hello-world view through the same middleware instead.
``--without-mail`` leaves out the participant's e-mail (its outbox row and the
after-commit wake-up of the delivery job): the difference is what the mail
costs the request. Nothing is rendered or sent in the request either way.

Measured with ``--callgrind`` (instructions per API registration, Lärnav and
its libraries, PostgreSQL's own work not included): 26.6 M with the ORM
throughout (12 statements); 20.6 M with seat allocation's statements as SQL
(larnav/registrations/queries.py); 13.2 M with the token, its user and their
role assignments in one statement and the workplace and person as SQL; 11.0 M
with the outbox row and the wake-up check as SQL; 10.1 M with the person scope
built only when used and the API's URLs first. The hello-world view is 1.9 M;
leaving out the eight middleware that the API does not use (sessions,
messages, CSRF, …) would save 0.4 M, not worth a second middleware chain.
Measured again later (other library versions): 7.9 M; 7.3 M with one cursor
kept per database connection; 6.3 M with ``django.db.connection``'s proxy
resolved once per statement (larnav/core/sql.py); 6.1 M with the person
behind the address read in the workplace's statement (larnav/api/queries.py),
8 statements instead of 9.
"""

import argparse
import cProfile
import io
import json
import os
import pstats
import subprocess
import sys
import time
from pathlib import Path

sys.path[:0] = [str(Path(__file__).resolve().parent), str(Path(__file__).resolve().parents[1])]

from registration_rush import ROOT, SETUP, create_database, django_env, drop_database  # noqa: E402


def callgrind(command):
    """Under ``valgrind --tool=callgrind --instr-atstart=no``: instructions of the measured registrations only."""
    pid = str(os.getpid())
    control = {"zero": ["--zero"], "on": ["--instr=on"], "off": ["--instr=off"]}[command]
    subprocess.run(["callgrind_control", *control, pid], check=True, capture_output=True)
    if command != "off":
        return None
    subprocess.run(["callgrind_control", "--dump=measured", pid], check=True, capture_output=True)
    import glob

    newest = max(glob.glob(f"callgrind.out.{pid}*"), key=os.path.getmtime)
    with open(newest, encoding="utf-8", errors="replace") as dump:
        for line in dump:
            if line.startswith("totals:"):
                return int(line.split()[1])
    return None


def backend_cpu(connection) -> float | None:
    """CPU seconds the connection's PostgreSQL backend has used (when it runs on this machine)."""
    try:
        with open(f"/proc/{connection.connection.info.backend_pid}/stat") as stat:
            fields = stat.read().rsplit(")", 1)[1].split()
    except (OSError, AttributeError):
        return None
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--registrations", type=int, default=400)
    parser.add_argument("--seats", type=int, default=100)
    parser.add_argument("--sessions", type=int, default=2)
    parser.add_argument("--profile", action="store_true")
    parser.add_argument("--profile-lines", default="45", help="how many functions, or a pattern of their files")
    parser.add_argument("--sort", default="cumulative", help="cumulative or tottime")
    parser.add_argument("--queries", action="store_true")
    parser.add_argument("--without-mail", action="store_true")
    parser.add_argument("--hello", action="store_true", help="measure GET /bench/hello instead (the request floor)")
    parser.add_argument("--callgrind", action="store_true", help="run under valgrind; see the module docstring")
    args = parser.parse_args()
    name, url = create_database()
    try:
        env = django_env(url)
        subprocess.run([sys.executable, "manage.py", "migrate", "-v0"], cwd=ROOT, env=env, check=True)
        out = subprocess.run([sys.executable, "-c", SETUP, str(args.sessions), str(args.seats), "1"], cwd=ROOT,
                             env=env, check=True, capture_output=True, text=True).stdout
        setup = json.loads(out.strip().splitlines()[-1])
        os.environ.update(env)
        run(args, setup)
    finally:
        from django.db import connections

        connections.close_all()
        drop_database(name)


def run(args, setup):
    import django

    django.setup()
    from django.core.handlers.wsgi import WSGIHandler
    from django.db import connection

    app = WSGIHandler()
    if args.without_mail:
        from larnav.registrations import notifications

        notifications.registration_changed = lambda *args, **kwargs: None

    def hello(n):
        environ = {
            "REQUEST_METHOD": "GET", "PATH_INFO": "/bench/hello", "QUERY_STRING": "", "SERVER_NAME": "127.0.0.1",
            "SERVER_PORT": "8000", "HTTP_HOST": "127.0.0.1", "SERVER_PROTOCOL": "HTTP/1.1",
            "wsgi.input": io.BytesIO(b""), "wsgi.url_scheme": "http", "wsgi.errors": sys.stderr,
            "wsgi.multithread": True, "wsgi.multiprocess": True, "wsgi.run_once": False, "wsgi.version": (1, 0),
        }
        status = []
        b"".join(app(environ, lambda s, h, exc_info=None: status.append(s)))
        assert status[0].startswith("200"), status
        return "confirmed"

    def post(n):
        session_id = setup["sessions"][n % len(setup["sessions"])]
        body = json.dumps({"email": f"p1-{n}@bench.se", "first_name": "Anna", "last_name": f"Bench{n}",
                           "workplace_id": setup["workplace"], "occupation": "stodassistent"}).encode()
        environ = {
            "REQUEST_METHOD": "POST", "PATH_INFO": f"/api/v1/sessions/{session_id}/registrations",
            "QUERY_STRING": "", "SERVER_NAME": "127.0.0.1", "SERVER_PORT": "8000", "HTTP_HOST": "127.0.0.1",
            "SERVER_PROTOCOL": "HTTP/1.1", "CONTENT_TYPE": "application/json", "CONTENT_LENGTH": str(len(body)),
            "HTTP_AUTHORIZATION": f"Bearer {setup['token']}", "wsgi.input": io.BytesIO(body),
            "wsgi.url_scheme": "http", "wsgi.errors": sys.stderr, "wsgi.multithread": True,
            "wsgi.multiprocess": True, "wsgi.run_once": False, "wsgi.version": (1, 0),
        }
        status = []
        chunks = app(environ, lambda s, h, exc_info=None: status.append(s))
        payload = b"".join(chunks)
        if not status[0].startswith("201"):
            raise SystemExit(f"unexpected answer {status[0]}: {payload[:300]!r}")
        return json.loads(payload)["status"]

    seats_total = args.seats * len(setup["sessions"])
    # Warm up (imports, template loading, the token's last-used stamp) with a few registrations.
    warm = 10
    for n in range(warm):
        post(n)
    counts, cpu = {"confirmed": [], "waitlisted": []}, {"confirmed": [], "waitlisted": []}
    samples = {}
    statements = []

    def count(execute, sql, params, many, context):
        statements.append(sql)
        return execute(sql, params, many, context)

    # CPU time, not wall time: the machine is shared, and waiting for PostgreSQL is not Lärnav's CPU.
    profiler = cProfile.Profile(time.process_time) if args.profile else None
    callgrind("zero") if args.callgrind else None
    callgrind("on") if args.callgrind else None
    server_cpu = backend_cpu(connection)
    for n in range(warm, args.registrations):
        statements.clear()
        with connection.execute_wrapper(count):
            started = time.process_time()
            if profiler:
                profiler.enable()
            status = (hello if args.hello else post)(n)
            if profiler:
                profiler.disable()
            elapsed = time.process_time() - started
        counts[status].append(len(statements))
        cpu[status].append(elapsed)
        samples.setdefault(status, list(statements))
    instructions = callgrind("off") if args.callgrind else None
    server_after = backend_cpu(connection)
    print(f"{args.registrations - warm} registrations in-process ({seats_total} seats over "
          f"{len(setup['sessions'])} sessions)")
    for status in ("confirmed", "waitlisted"):
        if counts[status]:
            n = len(counts[status])
            print(f"  {status:10}: {n:4d}, statements per registration {min(counts[status])}–{max(counts[status])} "
                  f"(BEGIN and COMMIT not counted), CPU {sum(cpu[status]) / n * 1000:.2f} ms per registration")
    if server_cpu is not None and server_after is not None:
        print(f"  PostgreSQL's CPU (its backend process): "
              f"{(server_after - server_cpu) / (args.registrations - warm) * 1000:.2f} ms per registration")
    if instructions:
        print(f"  instructions (callgrind) per registration: {instructions / (args.registrations - warm) / 1e6:.1f} M")
    if args.queries:
        for status, sqls in samples.items():
            print(f"\nStatements of one {status} registration ({len(sqls)}):")
            for sql in sqls:
                print("  " + sql[:160])
    if profiler:
        stream = io.StringIO()
        stats = pstats.Stats(profiler, stream=stream)
        print(f"Python function calls per registration: {stats.total_calls / (args.registrations - warm):,.0f}")
        lines = args.profile_lines
        stats.sort_stats(args.sort).print_stats(int(lines) if lines.isdigit() else lines)
        print(stream.getvalue())


if __name__ == "__main__":
    main()
