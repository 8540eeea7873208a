#!/usr/bin/env bash
# The system libraries the OCR engine needs (pipeline/ingest/ocr.py: rapidocr-onnxruntime
# imports OpenCV, which links libGL and GLib even when nothing is drawn). pip installs
# the engine itself; tests/test_ocr.py runs it. Does nothing when both libraries are
# present. Needs root (or sudo) on Debian/Ubuntu.
set -euo pipefail
packages=()
ldconfig -p 2>/dev/null | grep -q 'libGL\.so\.1 ' || packages+=(libgl1)
ldconfig -p 2>/dev/null | grep -q 'libgthread-2\.0\.so\.0 ' || packages+=(libglib2.0-0)
if [ ${#packages[@]} -eq 0 ]; then
  echo "OCR libraries already installed"
  exit 0
fi
SUDO=""
if [ "$(id -u)" != 0 ]; then SUDO="sudo"; fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update
$SUDO apt-get install -y --no-install-recommends "${packages[@]}"
