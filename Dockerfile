# 党建工作管理平台 — one image for the web process (gunicorn), the Celery worker and Celery beat.
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    DJANGO_SETTINGS_MODULE=config.settings.production \
    PORTAL_VAR_DIR=/app/var \
    DJANGO_STATIC_ROOT=/app/staticfiles \
    DJANGO_MEDIA_ROOT=/app/var/media \
    PORTAL_JOB_ROOT=/app/var/jobs \
    XDG_CACHE_HOME=/tmp/cache

# Pango for WeasyPrint (PDF exports); gettext to compile the translations. The CJK font of the PDFs is
# shipped in static/fonts, so no system font package is needed.
RUN apt-get update \
    && apt-get install -y --no-install-recommends libpango-1.0-0 libpangoft2-1.0-0 gettext \
    && rm -rf /var/lib/apt/lists/*

RUN groupadd --system portal && useradd --system --gid portal --home-dir /app --shell /usr/sbin/nologin portal
WORKDIR /app

# Dependencies first, so code changes do not reinstall them.
COPY pyproject.toml README.md ./
RUN pip install .

# The code stays owned by root: the portal user can write only to /app/var.
COPY . .

# Translations and static files are built into the image; WhiteNoise serves the static files.
# The settings need a key and hosts to load, so placeholders are given for these two build commands only.
RUN ./scripts/compile_messages.sh \
    && DJANGO_SECRET_KEY=build-only DJANGO_ALLOWED_HOSTS=localhost python manage.py collectstatic --noinput -v 0 \
    && mkdir -p /app/var/media /app/var/jobs /app/var/beat \
    && chown -R portal:portal /app/var

USER portal
VOLUME ["/app/var/media", "/app/var/jobs", "/app/var/beat"]
EXPOSE 8000

CMD ["scripts/docker-web.sh"]
