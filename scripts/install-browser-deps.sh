#!/usr/bin/env bash
# Installs Debian's Chromium (driven by Playwright in the browser tests) and GNU gettext.
# Playwright's own browser download is not used: deployments and CI may have no internet beyond package mirrors.
set -euo pipefail
if command -v chromium >/dev/null 2>&1; then exit 0; fi
if [ "$(id -u)" != "0" ]; then
  echo "The browser tests need Debian's chromium package. Install it with:" >&2
  echo "  sudo apt-get install -y chromium gettext" >&2
  echo "or run the other tests with: make test-fast" >&2
  exit 1
fi
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends chromium gettext >/dev/null
