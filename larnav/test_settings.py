"""Settings for the test suite: production settings with test-only conveniences."""

import os

os.environ.setdefault("LARNAV_SECRET_KEY", "test-only-secret-key-8f3a1c9e2b7d4f6a0e5c1b9d7f3a2e4c6b8d0f1a3")
os.environ.setdefault("LARNAV_SECURE", "0")
os.environ.setdefault("LARNAV_EMAIL_BACKEND", "locmem")
os.environ.setdefault("LARNAV_ALLOWED_HOSTS", "testserver,127.0.0.1,localhost")
# Jobs run at once, in the test's own process and transaction: a test that
# executes its on-commit callbacks sees the mail in django.core.mail.outbox.
# The worker tests start a real worker on the database backend instead.
os.environ.setdefault("LARNAV_TASKS_BACKEND", "immediate")

from .settings import *  # noqa: E402,F403
from .settings import PASSWORD_HASHERS  # noqa: E402

# Hashing passwords with argon2 thousands of times would dominate the suite's
# run time; production keeps argon2 first (tested in accounts' tests).
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher", *PASSWORD_HASHERS]
STORAGES["staticfiles"]["BACKEND"] = "django.contrib.staticfiles.storage.StaticFilesStorage"  # noqa: F405
WHITENOISE_USE_FINDERS = True
# A per-process cache would carry catalog pages from one test into the next.
LARNAV_CATALOG_CACHE_SECONDS = 0

# SQLite tests use a file, not shared-cache memory: threads then meet the same
# locking (WAL, IMMEDIATE, busy timeout) as production, which the concurrency
# tests rely on. pytest-django suffixes the name per xdist worker.
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":  # noqa: F405
    DATABASES["default"].setdefault("TEST", {})["NAME"] = str(  # noqa: F405
        VAR_DIR / f"test_larnav_{os.getpid()}.sqlite3"  # noqa: F405
    )
