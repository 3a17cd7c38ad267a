#!/usr/bin/env bash
# `make browser`: installs Debian's chromium for the browser tests (tests/service/test_pages_chromium.py).
# It installs system-wide with apt-get, so it needs root. `make test` never calls it: without chromium
# the browser tests skip and say how to install it. CI (.ci/run) calls `make browser` before `make test`.
set -euo pipefail
if command -v chromium >/dev/null 2>&1; then
  echo "chromium is installed: $(command -v chromium)"
  exit 0
fi
if [ "$(id -u)" != 0 ]; then
  echo "make browser installs Debian's chromium with apt-get, system-wide: run it as root (sudo make browser)" >&2
  exit 1
fi
echo "installing Debian's chromium (apt-get install chromium) for the browser tests"
apt-get update -qq
DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
echo "chromium is installed: $(command -v chromium)"
