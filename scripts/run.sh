#!/usr/bin/env bash
# Quick start: set up, ingest the bundled corpus with the bundled model, serve the chat page.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
. .venv/bin/activate
vraagbaak ingest
exec vraagbaak serve "$@"
