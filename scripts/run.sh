#!/usr/bin/env bash
# Serve the portal for development: migrate, compile translations, load the demo data, start a Celery
# worker with embedded beat in the background, then the development server in the foreground.
# Ctrl-C stops both. With nothing configured: SQLite in var/db.sqlite3, the broker in var/broker/.
#
# Environment: PORTAL_HOST (127.0.0.1), PORTAL_PORT (8000), PORTAL_SKIP_SEED=1 to skip the demo data,
# and everything config/settings reads (DATABASE_URL, CELERY_BROKER_URL, PORTAL_VAR_DIR, ...).
set -euo pipefail
cd "$(dirname "$0")/.."

VENV=${VENV:-.venv}
PY="$VENV/bin/python"
HOST=${PORTAL_HOST:-127.0.0.1}
PORT=${PORTAL_PORT:-8000}
VAR_DIR=${PORTAL_VAR_DIR:-var}
export DJANGO_SETTINGS_MODULE=${DJANGO_SETTINGS_MODULE:-config.settings.local}

echo "==> applying database migrations"
"$PY" manage.py migrate --noinput

scripts/compile_messages.sh

if [ -z "${PORTAL_SKIP_SEED:-}" ]; then
    echo "==> loading the demo data (skipped when the database already has data)"
    "$PY" manage.py seed_demo --scale small
fi
# The periodic reports of the periods that ended (nothing when they exist): the worker below generates them.
"$PY" manage.py schedule_reports

mkdir -p "$VAR_DIR/log"
WORKER_LOG="$VAR_DIR/log/worker.log"
echo "==> starting the Celery worker with embedded beat (log: $WORKER_LOG)"
"$VENV/bin/celery" -A config worker -B --loglevel INFO --concurrency 2 >>"$WORKER_LOG" 2>&1 &
WORKER_PID=$!

stop_worker() {
    trap - EXIT INT TERM
    if kill -0 "$WORKER_PID" 2>/dev/null; then
        echo "==> stopping the Celery worker"
        kill -TERM "$WORKER_PID" 2>/dev/null || true
        for _ in $(seq 1 30); do
            kill -0 "$WORKER_PID" 2>/dev/null || break
            sleep 0.5
        done
        kill -KILL "$WORKER_PID" 2>/dev/null || true
    fi
    wait "$WORKER_PID" 2>/dev/null || true
}
trap stop_worker EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

sleep 2
if ! kill -0 "$WORKER_PID" 2>/dev/null; then
    echo "error: the Celery worker did not start; last lines of $WORKER_LOG:" >&2
    tail -n 30 "$WORKER_LOG" >&2
    exit 1
fi

echo "==> serving http://$HOST:$PORT/  (demo accounts: admin, zuzhibu, dangwei, shuji_a, shuji_b, dangyuan;"
echo "    password dangjian2026). Press Ctrl-C to stop the server and the worker."
"$PY" manage.py runserver "$HOST:$PORT"
