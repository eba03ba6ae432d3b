#!/usr/bin/env bash
# Creates .venv and installs Vraagbaak. torch comes first and pinned: a bare `torch` would pull
# a multi-GB CUDA build, while torch==2.13.0 is the CPU build. Usage: scripts/setup.sh [dev]
set -euo pipefail
cd "$(dirname "$0")/.."
extras="st,postgres"
[ "${1:-}" = "dev" ] && extras="st,llm,dev,postgres"
if [ ! -x .venv/bin/python ]; then
  python3 -m venv .venv
fi
. .venv/bin/activate
python -m pip install --quiet --upgrade pip
python -m pip install --quiet "torch==2.13.0"
python -m pip install --quiet -e ".[${extras}]"

# OCR for scanned PDF pages (optional: without it such pages are reported, not read).
if ! command -v tesseract >/dev/null || ! tesseract --list-langs 2>/dev/null | grep -qx nld; then
  if [ "$(id -u)" = 0 ]; then apt_get="apt-get"; elif command -v sudo >/dev/null; then apt_get="sudo -n apt-get"; else apt_get=""; fi
  if [ -n "$apt_get" ] && command -v apt-get >/dev/null; then
    echo "Installing Debian tesseract-ocr (nld) for scanned PDF pages"
    { $apt_get update -qq && DEBIAN_FRONTEND=noninteractive $apt_get install -y -qq \
        tesseract-ocr tesseract-ocr-nld >/dev/null; } \
      || echo "Could not install OCR; scanned pages will be reported: apt-get install -y tesseract-ocr tesseract-ocr-nld"
  else
    echo "No OCR: scanned pages will be reported. Install: apt-get install -y tesseract-ocr tesseract-ocr-nld"
  fi
fi
