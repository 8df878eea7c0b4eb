"""Tests: fast hashing, mail in memory, media in a temporary folder."""

import tempfile

from .base import *  # noqa: F403
from .base import env

DEBUG = False
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
MEDIA_ROOT = tempfile.mkdtemp(prefix="portal-test-media-")
PORTAL_JOB_ROOT = tempfile.mkdtemp(prefix="portal-test-jobs-")
# An existing (empty) folder keeps WhiteNoise quiet; the live server serves static files from the finders.
STATIC_ROOT = tempfile.mkdtemp(prefix="portal-test-static-")
ALLOWED_HOSTS = ["*"]
# No cache between tests (rows built by factories bypass the services that invalidate it).
CACHES = {"default": {"BACKEND": "django.core.cache.backends.dummy.DummyCache"}}
# Without a real broker the tasks run in-process; tests marked live_celery use a real worker.
CELERY_TASK_ALWAYS_EAGER = env.bool("CELERY_TASK_ALWAYS_EAGER", default=not env.str("CELERY_BROKER_URL", default=""))
CELERY_TASK_EAGER_PROPAGATES = False
AXES_ENABLED = True
