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
    # The tests start their own Redis and PostgreSQL on free ports: the packages' system
    # services are not started (policy-rc.d, for the length of the install only).
    policy=/usr/sbin/policy-rc.d
    made_policy=""
    if [ ! -e "$policy" ]; then
      printf '#!/bin/sh\nexit 101\n' | $SUDO tee "$policy" >/dev/null
      $SUDO chmod 755 "$policy"
      made_policy=1
      trap 'if [ -n "$made_policy" ]; then $SUDO rm -f "$policy"; fi' EXIT
    fi
    $SUDO apt-get update -qq
    $SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
    if [ -n "$made_policy" ]; then
      $SUDO rm -f "$policy"
      made_policy=""
    fi
  fi
else
  .venv/bin/python -m pip install --quiet --disable-pip-version-check -e .
fi
