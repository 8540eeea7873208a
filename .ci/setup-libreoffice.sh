#!/usr/bin/env bash
# Install Debian's headless LibreOffice Writer: the legacy .doc reader
# (pipeline/ingest/doc.py) converts Word 97-2003 files with it, and the
# LibreOffice tests in tests/test_ingest_docx_pdf.py and tests/test_ingest_doc.py
# write their DOCX/PDF fixtures with it. A CJK font so Chinese PDFs it writes have
# real glyphs. Does nothing when both are already installed. Needs root (or sudo)
# on Debian/Ubuntu.
set -euo pipefail
packages=()
if ! command -v soffice >/dev/null && ! command -v libreoffice >/dev/null; then
  packages+=(libreoffice-writer-nogui)
fi
if ! command -v fc-list >/dev/null || [ -z "$(fc-list :lang=zh 2>/dev/null | head -1)" ]; then
  packages+=(fonts-noto-cjk)
fi
if [ ${#packages[@]} -eq 0 ]; then
  echo "LibreOffice already installed: $( (soffice --version || libreoffice --version) 2>/dev/null | head -1)"
  exit 0
fi
SUDO=""
if [ "$(id -u)" != 0 ]; then SUDO="sudo"; fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update
$SUDO apt-get install -y --no-install-recommends "${packages[@]}"
