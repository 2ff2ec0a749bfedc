#!/usr/bin/env bash
# Extract marked strings and merge them into the Polish catalog (translations kept).
set -euo pipefail
cd "$(dirname "$0")/.."
PYBABEL="${PYBABEL:-pybabel}"
"$PYBABEL" extract -F babel.cfg -o /tmp/calcert.pot --no-location --sort-output --omit-header . >/dev/null 2>&1
"$PYBABEL" update -i /tmp/calcert.pot -d src/calcert/locale -D calcert --no-fuzzy-matching >/dev/null
echo "updated src/calcert/locale/pl/LC_MESSAGES/calcert.po"
