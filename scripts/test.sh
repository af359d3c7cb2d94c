#!/usr/bin/env bash
# The test command (README, .ci/run). Installs Debian's chromium for the browser tests when it is missing
# and apt-get can be used; without it those tests skip with a reason.
set -euo pipefail
cd "$(dirname "$0")/.."
# The real liboqs path: ../shared/liboqs (a liboqs 0.16.0 build for this machine kind, test material only,
# never copied here) when it is beside the project and no other liboqs was named.
if [ -z "${OQS_INSTALL_PATH:-}" ] && [ -f ../shared/liboqs/lib/liboqs.so ]; then
  OQS_INSTALL_PATH="$(cd ../shared/liboqs && pwd)"
  export OQS_INSTALL_PATH
fi
if ! command -v chromium >/dev/null 2>&1 && command -v apt-get >/dev/null 2>&1 && [ "$(id -u)" = 0 ]; then
  { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium; } >/dev/null 2>&1 \
    || echo "scripts/test.sh: chromium could not be installed; browser tests will skip" >&2
fi
exec python -m pytest -q -p no:cacheprovider "$@"
