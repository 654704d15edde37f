"""WSGI entry point (gunicorn larnav.wsgi)."""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "larnav.settings")
application = get_wsgi_application()
