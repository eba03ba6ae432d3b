#!/usr/bin/env bash
# Sets up everything the tests need and runs the whole suite: lint, types, unit, integration
# (real bundled model), browser (headless Chromium) and the retrieval/answer evaluation gates
# of both evaluation corpora.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh dev
. .venv/bin/activate

if [ ! -x /usr/bin/chromium ]; then
  echo "Installing Debian chromium for the browser tests"
  if [ "$(id -u)" = 0 ]; then apt_get="apt-get"; else apt_get="sudo apt-get"; fi
  $apt_get update -qq && DEBIAN_FRONTEND=noninteractive $apt_get install -y -qq chromium >/dev/null
fi

if ! ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1; then
  echo "Installing Debian postgresql for the two-replica tests"
  if [ "$(id -u)" = 0 ]; then apt_get="apt-get"; else apt_get="sudo apt-get"; fi
  $apt_get update -qq && DEBIAN_FRONTEND=noninteractive $apt_get install -y -qq postgresql >/dev/null
fi
# Here the replica tests fail instead of skipping when Postgres cannot be started.
export VRAAGBAAK_TEST_POSTGRES=required
# The gates compare against fixed floors, so every run embeds with the same engines: the ones
# the probe picks on a quiet AVX2-only machine (`vraagbaak doctor`). Faithful engines agree to
# cosine 0.999, yet one question's answer can flip between them.
export VRAAGBAAK_E5_ENGINE="${VRAAGBAAK_E5_ENGINE:-ort-i8+ort-fp32}"

echo "== ruff"; ruff check .
echo "== mypy"; mypy ingest service evals vraagbaak

# One real ingest per evaluation corpus (evals/corpora.toml). Corpus A's index serves its
# evaluation gate and the integration tests. Corpus B is ingested as its own corpus folder, so
# the glossary and catalog of corpus/ are not used for it. The gates check each gold set's
# sealed test part against evals/thresholds.toml ([a.min], [b.min], …); a failed gate fails the
# script after the tests have run, so one run reports everything.
data_dir=$(mktemp -d)
data_b=$(mktemp -d)
trap 'rm -rf "$data_dir" "$data_b"' EXIT
echo "== ingest corpus A (corpus/) with the bundled model"
vraagbaak ingest --data-dir "$data_dir"
echo "== evaluation gate, corpus A (test part)"
gates_failed=""
vraagbaak eval run --corpus a --split test --data-dir "$data_dir" || gates_failed="$gates_failed A"
if [ -f evals/corpora/b/gold.jsonl ]; then
  echo "== ingest corpus B (evals/corpora/b/docs)"
  vraagbaak ingest --data-dir "$data_b" --corpus evals/corpora/b/docs evals/corpora/b/docs
  echo "== evaluation gate, corpus B (test part)"
  vraagbaak eval run --corpus b --split test --data-dir "$data_b" || gates_failed="$gates_failed B"
else
  echo "== corpus B has no gold set (evals/corpora/b/gold.jsonl): its gate is skipped"
fi

echo "== tests"
tests_status=0
VRAAGBAAK_TEST_INDEX="$data_dir" python -m pytest -q -p no:cacheprovider "$@" || tests_status=$?
if [ -n "$gates_failed" ]; then
  echo "== evaluation gate failed for corpus$gates_failed (thresholds above)"
  exit 1
fi
exit "$tests_status"
