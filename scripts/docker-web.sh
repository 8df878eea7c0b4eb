#!/bin/sh
# The web container: apply migrations, then serve with gunicorn (static files through WhiteNoise).
set -e
python manage.py migrate --noinput
exec gunicorn config.wsgi \
    --bind 0.0.0.0:8000 \
    --workers "${GUNICORN_WORKERS:-3}" \
    --timeout "${GUNICORN_TIMEOUT:-60}" \
    --access-logfile -
