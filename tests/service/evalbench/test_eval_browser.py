"""The evaluator's flow in /eval, in headless Chromium against a real uvicorn server: make a
set by clicking, mark a question unanswerable, run it, read the verdicts, export."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from evals.goldset import load_goldset
from service.api.app import create_app
from service.assistant import Assistant
from service.engine import Engine
from tests.service.faq.conftest import REFUSAL
from tests.service.faq.test_faq_browser import CHROMIUM, _chromium, _serve, _watch_errors
from vraagbaak.settings import Settings

pytestmark = pytest.mark.browser
REGIE = "SAVE MN was regiehouder als zij al bij aanvang van het traject betrokken waren."


@pytest.fixture
def server(settings: Settings, engine: Engine) -> Iterator[str]:
    app = create_app(settings, engine=engine, assistant=Assistant(engine, refusal=REFUSAL))
    yield from _serve(app)


def _watch(page: Any, server: str) -> list[str]:
    errors = _watch_errors(page)
    page.on(
        "request",
        lambda r: (
            errors.append(f"outside request {r.url}")
            if not r.url.startswith((server, "blob:"))
            else None
        ),
    )
    return errors


def test_gold_set_by_clicking_run_verdicts_export(server: str, tmp_path: Path) -> None:
    if not CHROMIUM.exists():
        pytest.skip("Chromium is not installed at /usr/bin/chromium")
    sync_api = pytest.importorskip("playwright.sync_api")
    expect = sync_api.expect
    with sync_api.sync_playwright() as playwright:
        browser = _chromium(playwright)
        page = browser.new_page(accept_downloads=True, viewport={"width": 1400, "height": 1000})
        errors = _watch(page, server)
        page.on("dialog", lambda dialog: dialog.accept())
        page.goto(f"{server}/eval")
        expect(page.locator("#set-view")).to_be_hidden()
        expect(page.locator("#run-view")).to_be_hidden()

        page.fill("#set-name", "Regie en wachtlijsten")
        page.click("#create-set button[type=submit]")
        expect(page.locator("#set-counts")).to_have_text("0 vragen: 0 met antwoord, 0 zonder")

        # Three questions answered by clicking a sentence of a passage.
        for number, (question, sentence) in enumerate(
            (
                ("Wie heeft de regie als SAVE MN meedoet?", "SAVE MN was regiehouder"),
                ("Hoeveel jongeren kozen een JIM?", "45 jongeren"),
                ("Hoe lang waren de wachtlijsten?", "twaalf weken"),
            ),
            1,
        ):
            page.fill("#question", question)
            page.click("#find")
            page.locator("#passages .vb-pick", has_text=sentence).first.click()
            expect(page.locator("#items li[data-item-id]")).to_have_count(number)
            expect(page.locator("#status")).to_have_text("Opgeslagen als goudvraag.")
        page.fill("#question", "Wat kost een JIM-traject in Eindhoven?")
        page.click("#unanswerable")
        expect(page.locator("#set-counts")).to_have_text("4 vragen: 3 met antwoord, 1 zonder")
        expect(page.locator("#items li blockquote").first).to_have_text(REGIE)
        expect(page.locator("#items li", has_text="niet te beantwoorden")).to_have_count(1)

        # Edit an item: it keeps its place, with a new question and a quote made by selecting
        # words of the passage (a cut word is widened to the whole word).
        page.locator("#items li").nth(1).get_by_role("button", name="Wijzigen").click()
        page.fill("#question", "Hoeveel jongeren kozen in het traject een JIM?")
        page.click("#find")
        passage = page.locator("#passages li", has_text="45 jongeren").first
        words = passage.locator(".vb-pick", has_text="45 jongeren")
        words.evaluate(
            """node => { const range = document.createRange();
                 const text = node.firstChild, words = "45 jongeren een JIM binnen het tra";
                 const start = text.data.indexOf(words);
                 range.setStart(text, start); range.setEnd(text, start + words.length);
                 const s = window.getSelection(); s.removeAllRanges(); s.addRange(range); }"""
        )
        passage.get_by_role("button", name="Selectie opslaan").click()
        expect(page.locator("#status")).to_have_text("Opgeslagen als goudvraag.")
        expect(page.locator("#items li").nth(1)).to_contain_text("kozen in het traject")
        expect(page.locator("#items li").nth(1).locator("blockquote")).to_have_text(
            "45 jongeren een JIM binnen het traject"
        )

        # Run: verdicts first, failures first, a failures-only filter.
        page.click("#run")
        expect(page.locator("#verdicts li").first).to_be_visible(timeout=30_000)
        first = page.locator("#verdicts li").first.inner_text()
        assert "—" in first
        assert any(word in first for word in ("gehaald", "geen drempel", "geen waarde"))
        page.uncheck("#failures-only")
        expect(page.locator("#questions li")).to_have_count(4)
        flags = page.locator("#questions li").evaluate_all("els => els.map(e => e.dataset.failed)")
        assert flags == sorted(flags, reverse=True)
        page.check("#failures-only")
        shown = page.locator("#questions li[data-failed]").count()
        assert shown == flags.count("true")

        # English is there too.
        page.click("#language")
        expect(page.locator("#run")).to_have_text("Evaluate the set")
        expect(page.locator("#set-counts")).to_have_text("4 questions: 3 with an answer, 1 without")
        page.click("#language")

        # Export: the documented JSONL, which load_goldset reads.
        with page.expect_download() as download:
            page.click("#export")
        target = tmp_path / download.value.suggested_filename
        download.value.save_as(target)
        questions = load_goldset(target)
        assert [q.answerable for q in questions] == [True, True, True, False]
        assert questions[0].quotes == (REGIE,)
        assert questions[1].question == "Hoeveel jongeren kozen in het traject een JIM?"

        # Delete an item.
        page.locator("#items li").nth(2).get_by_role("button", name="Verwijderen").click()
        expect(page.locator("#set-counts")).to_have_text("3 vragen: 2 met antwoord, 1 zonder")
        assert page.locator("img").count() == 0
        browser.close()
    assert errors == []
