#!/usr/bin/env bash
# Install Debian's Chromium and its WebDriver for the report browser test
# (tests/test_report_browser.py drives /usr/bin/chromium through /usr/bin/chromedriver),
# plus a CJK font so the report's screenshot shows Chinese rather than empty boxes.
# Does nothing when all are already installed. Needs root (or sudo) on Debian/Ubuntu.
set -euo pipefail
packages=()
command -v chromium >/dev/null || packages+=(chromium)
command -v chromedriver >/dev/null || packages+=(chromium-driver)
if ! command -v fc-list >/dev/null || [ -z "$(fc-list :lang=zh 2>/dev/null | head -1)" ]; then
  packages+=(fonts-noto-cjk)
fi
if [ ${#packages[@]} -eq 0 ]; then
  echo "Chromium already installed: $(chromium --version 2>/dev/null || echo chromium)"
  exit 0
fi
SUDO=""
if [ "$(id -u)" != 0 ]; then SUDO="sudo"; fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update
$SUDO apt-get install -y --no-install-recommends "${packages[@]}"
