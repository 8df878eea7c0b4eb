#!/usr/bin/env bash
# Create the virtualenv and install the project with its dev tools from pyproject.toml.
# Usage: scripts/bootstrap.sh [python] [venv-dir]
set -euo pipefail
cd "$(dirname "$0")/.."

PYTHON=${1:-python3}
VENV=${2:-.venv}

if ! command -v "$PYTHON" >/dev/null 2>&1; then
    echo "error: $PYTHON not found. Install Python 3.11 or newer, or run: make run PYTHON=/path/to/python3.11" >&2
    exit 1
fi
if ! "$PYTHON" -c 'import sys; sys.exit(sys.version_info < (3, 11))'; then
    echo "error: $("$PYTHON" -V 2>&1) is too old; Python 3.11 or newer is needed (make run PYTHON=python3.11)." >&2
    exit 1
fi
if [ ! -x "$VENV/bin/python" ]; then
    echo "==> creating $VENV with $("$PYTHON" -V 2>&1)"
    if ! "$PYTHON" -m venv "$VENV"; then
        echo "error: could not create a virtualenv; on Debian/Ubuntu install python3-venv first." >&2
        exit 1
    fi
fi
echo "==> installing the project and its dependencies into $VENV (pip install -e '.[dev]')"
"$VENV/bin/python" -m pip install --quiet --disable-pip-version-check --upgrade pip
"$VENV/bin/python" -m pip install --quiet --disable-pip-version-check -e ".[dev]"

# WeasyPrint (PDF exports) needs the Pango libraries of the system; say so now rather than at the first PDF.
if ! "$VENV/bin/python" -c 'import weasyprint' >/dev/null 2>&1; then
    echo "warning: WeasyPrint cannot load Pango; PDF exports will fail." >&2
    echo "         Debian/Ubuntu: sudo apt-get install libpango-1.0-0 libpangoft2-1.0-0" >&2
fi
