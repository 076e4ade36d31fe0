#!/usr/bin/env bash
# Set up the project on a fresh machine: a virtualenv in .venv with the package (editable)
# and, with --test, the test tools and the Debian packages the tests drive.
# Python packages come only from the lock files (scripts/locks/, made by scripts/lock): exact
# versions, every file checked against its sha256, nothing resolved at install time.
set -euo pipefail
cd "$(dirname "$0")/.."

PYTHON=${PYTHON:-python3}
if [ ! -x .venv/bin/python ]; then
  "$PYTHON" -m venv .venv
fi
# The lock, then the project itself with --no-deps: its dependencies are the lock's, so pip
# resolves nothing and fetches no unpinned package (only the build backend, setuptools, is
# fetched by pip's isolated build of the editable package; it is not installed in .venv).
install_locked() {
  .venv/bin/python -m pip install --quiet --disable-pip-version-check \
    --require-hashes --no-deps --only-binary :all: -r "$1"
  .venv/bin/python -m pip install --quiet --disable-pip-version-check --no-deps -e .
}
if [ "${1:-}" = "--test" ]; then
  install_locked scripts/locks/test.txt
  # Debian packages the tests drive: chromium (browser tests), wrk (tests/test_load.py),
  # Redis and PostgreSQL (tests/test_shared_stores.py: the stores several instances share),
  # nginx (tests/http/test_deploy_nginx.py: the deploy kit's site in front of the service)
  # and systemd-analyze (tests/unit/test_deploy_units.py: the kit's units verified).
  missing=()
  command -v chromium >/dev/null 2>&1 || missing+=(chromium)
  command -v wrk >/dev/null 2>&1 || missing+=(wrk)
  command -v redis-server >/dev/null 2>&1 || missing+=(redis-server)
  compgen -G '/usr/lib/postgresql/*/bin/initdb' >/dev/null || missing+=(postgresql)
  # /usr/sbin is not on every user's PATH.
  [ -x /usr/sbin/nginx ] || command -v nginx >/dev/null 2>&1 || missing+=(nginx)
  command -v systemd-analyze >/dev/null 2>&1 || missing+=(systemd)
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
  install_locked scripts/locks/runtime.txt
fi
