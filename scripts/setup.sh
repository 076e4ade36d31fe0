#!/usr/bin/env bash
# Set up the project on a fresh machine: a virtualenv in .venv with the package (editable)
# and, with --test, the test tools and the Debian packages the tests drive.
set -euo pipefail
cd "$(dirname "$0")/.."

PYTHON=${PYTHON:-python3}
if [ ! -x .venv/bin/python ]; then
  "$PYTHON" -m venv .venv
fi
if [ "${1:-}" = "--test" ]; then
  .venv/bin/python -m pip install --quiet --disable-pip-version-check -e '.[test]'
  # Debian packages the tests drive: chromium (browser tests), wrk (tests/test_load.py),
  # Redis and PostgreSQL (tests/test_shared_stores.py: the stores several instances share).
  missing=()
  command -v chromium >/dev/null 2>&1 || missing+=(chromium)
  command -v wrk >/dev/null 2>&1 || missing+=(wrk)
  command -v redis-server >/dev/null 2>&1 || missing+=(redis-server)
  compgen -G '/usr/lib/postgresql/*/bin/initdb' >/dev/null || missing+=(postgresql)
  if [ ${#missing[@]} -gt 0 ]; then
    SUDO=""
    [ "$(id -u)" -ne 0 ] && SUDO="sudo"
    echo "setup: installing Debian's ${missing[*]} for the tests" >&2
    $SUDO apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${missing[@]}" >/dev/null
  fi
else
  .venv/bin/python -m pip install --quiet --disable-pip-version-check -e .
fi
