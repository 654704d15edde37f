"""WSGI entry point (gunicorn larnav.wsgi).

Once the application and its URLconf (with every view module it imports)
are loaded, their objects are moved out of the garbage collector's reach
(``gc.freeze``): they live as long as the process, and without this every
full collection walked all of them (about 160,000 objects) while holding the
GIL, stopping every thread of the worker. Measured in the registration rush
(bench/registration_rush.py, one run each, the two workers): the collector's
time fell from 0.5 and 1.3 s to 0.1 and 0.6 s, its longest pause from 184 ms
to 53 ms, and full collections from 6 to 2. Raising the young generation's
threshold (20,000) instead made each young collection long (up to 66 ms).
"""

import gc
import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "larnav.settings")
application = get_wsgi_application()


def _freeze_loaded_objects():
    from django.urls import get_resolver

    get_resolver().url_patterns  # noqa: B018 - imports the URLconf and the views now, not at the first request
    # Django compiles the e-mail address patterns at their first use (about 23 ms), which would
    # otherwise fall on the first registration or form each worker serves.
    from django.core.validators import validate_email

    validate_email("start-up@example.se")
    gc.collect()
    gc.freeze()


_freeze_loaded_objects()
