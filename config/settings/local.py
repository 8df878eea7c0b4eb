"""Development: the Quick start. SQLite, a folder broker, debug pages."""

from pathlib import Path

from .base import *  # noqa: F403
from .base import STATIC_ROOT, env

DEBUG = env.bool("DJANGO_DEBUG", default=True)
ALLOWED_HOSTS = env.list("DJANGO_ALLOWED_HOSTS", default=["127.0.0.1", "localhost", "[::1]"])

# runserver serves static files from the apps and static/; the empty folder keeps WhiteNoise quiet.
Path(STATIC_ROOT).mkdir(parents=True, exist_ok=True)
