#!/usr/bin/env bash
# Creates .venv and installs Vraagbaak. torch comes first and pinned: a bare `torch` would pull
# a multi-GB CUDA build, while torch==2.13.0 is the CPU build. Usage: scripts/setup.sh [dev]
set -euo pipefail
cd "$(dirname "$0")/.."
extras="st"
[ "${1:-}" = "dev" ] && extras="st,llm,dev"
if [ ! -x .venv/bin/python ]; then
  python3 -m venv .venv
fi
. .venv/bin/activate
python -m pip install --quiet --upgrade pip
python -m pip install --quiet "torch==2.13.0"
python -m pip install --quiet -e ".[${extras}]"
