"""Schemathesis against the app's own OpenAPI spec: valid or invalid input, never a 5xx.

The app runs in-process (ASGI) on the small test corpus with the fake embedder, so this is fast
and needs no model. Every operation in /openapi.json is exercised, the FAQ editor's included,
with inputs that fit the schema (positive) and inputs that break it (negative); the rate limit
is raised so the limiter does not hide errors behind 429s.

``schemathesis.pytest.from_fixture`` would give one test id per operation, but with pytest 9 it
fails (``request.node._nodeid`` no longer exists, schemathesis/pytest/lazy.py), so the
operations are run here one by one through ``operation.as_strategy`` and Hypothesis.
"""

from __future__ import annotations

from pathlib import Path

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.errors import Unsatisfiable
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.core.result import Ok

from ingest.pipeline import ingest
from service.api.app import create_app
from service.engine import Engine
from tests.conftest import write_small_corpus
from tests.fakes import HashingEmbedder
from vraagbaak.settings import Settings

MAX_EXAMPLES = 30  # per operation and generation mode


@pytest.fixture
def api_schema(tmp_path: Path) -> schemathesis.BaseSchema:
    # A new app for each test: the FAQ store cannot survive a second start-up of the same app
    # (install_faq closes it at shutdown), see test_hardening.py.
    root = tmp_path
    corpus = write_small_corpus(root / "corpus")
    app_settings = Settings.model_validate(
        {
            "corpus_dir": corpus,
            "data_dir": root / "data",
            "embedder": "hashing-test",
            "refusal_threshold": 0.3,
            "rate_limit_per_minute": 1_000_000,
            "rate_limit_burst": 100_000,
        }
    )
    ingest([corpus], app_settings.index_dir, HashingEmbedder())
    engine = Engine.load(app_settings, embedder=HashingEmbedder())
    return schemathesis.openapi.from_asgi("/openapi.json", create_app(app_settings, engine=engine))


def _exercise(operation: schemathesis.APIOperation, mode: GenerationMode) -> None:
    @given(data=st.data())
    @settings(
        max_examples=MAX_EXAMPLES,
        deadline=None,
        database=None,
        suppress_health_check=list(HealthCheck),
    )
    def run(data: st.DataObject) -> None:
        case = data.draw(operation.as_strategy(generation_mode=mode))
        case.call_and_validate(checks=[not_a_server_error])

    try:
        run()
    except Unsatisfiable:
        # Nothing to break: no parameters (GET /health) or only free-text path parameters.
        assert mode is GenerationMode.NEGATIVE


@pytest.mark.parametrize(
    "mode", [GenerationMode.POSITIVE, GenerationMode.NEGATIVE], ids=["valid-input", "invalid-input"]
)
def test_no_operation_answers_with_a_server_error(
    api_schema: schemathesis.BaseSchema, mode: GenerationMode
) -> None:
    results = list(api_schema.get_all_operations())
    operations = [result.ok() for result in results if isinstance(result, Ok)]
    assert len(operations) == len(results), (
        "the OpenAPI spec has operations schemathesis can't read"
    )
    assert len(operations) >= 15, [op.label for op in operations]
    failures = []
    for operation in operations:
        try:
            _exercise(operation, mode)
        except Exception as exc:  # one operation's failure must not hide the others'
            failures.append(f"{operation.label}: {exc}")
    assert not failures, "\n\n".join(failures)
