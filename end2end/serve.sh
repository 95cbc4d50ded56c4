#!/usr/bin/env bash
# Started by Playwright: a fresh Herald with one known marketer, on the test's port and data dir.
set -euo pipefail
: "${HERALD_BIN:?}" "${HERALD_DATA_DIR:?}" "${HERALD_SITE_ROOT:?}"
"$HERALD_BIN" user create --email marketer@example.com --password 'correct horse battery'
exec "$HERALD_BIN" serve
