#!/usr/bin/env bash
# Sets up everything the tests need and runs the whole suite: lint, types, unit, integration
# (real bundled model), browser (headless Chromium) and the retrieval/answer evaluation gate.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh dev
. .venv/bin/activate

if [ ! -x /usr/bin/chromium ]; then
  echo "Installing Debian chromium for the browser tests"
  if [ "$(id -u)" = 0 ]; then apt_get="apt-get"; else apt_get="sudo apt-get"; fi
  $apt_get update -qq && DEBIAN_FRONTEND=noninteractive $apt_get install -y -qq chromium >/dev/null
fi

echo "== ruff"; ruff check .
echo "== mypy"; mypy ingest service evals vraagbaak

# One real ingest of the shipped corpus serves the evaluation gate and the integration tests.
data_dir=$(mktemp -d)
trap 'rm -rf "$data_dir"' EXIT
echo "== ingest the corpus with the bundled model"
vraagbaak ingest --data-dir "$data_dir"
echo "== evaluation gate (evals/thresholds.toml)"
vraagbaak eval run --data-dir "$data_dir"

echo "== tests"
VRAAGBAAK_TEST_INDEX="$data_dir" python -m pytest -q -p no:cacheprovider "$@"
