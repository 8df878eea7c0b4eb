#!/usr/bin/env bash
# Compile locale/*/LC_MESSAGES/*.po into .mo files.
# The .mo files are committed, so a machine without GNU gettext (msgfmt) still gets English:
# then this keeps the committed files and says so.
set -euo pipefail
cd "$(dirname "$0")/.."

shopt -s nullglob
po_files=(locale/*/LC_MESSAGES/*.po)
if [ ${#po_files[@]} -eq 0 ]; then
    exit 0
fi
if ! command -v msgfmt >/dev/null 2>&1; then
    echo "==> msgfmt (GNU gettext) not found: using the compiled translations committed in locale/"
    exit 0
fi
for po in "${po_files[@]}"; do
    echo "==> compiling $po"
    msgfmt --check-format -o "${po%.po}.mo" "$po"
done
