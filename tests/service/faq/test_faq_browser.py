"""The trainer flow in /faq, in headless Chromium against a real uvicorn server."""

from __future__ import annotations

import json
import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import uvicorn
from fastapi import FastAPI

from evals.goldset import load_goldset
from service.api.app import create_app
from service.assistant import Assistant
from service.engine import Engine
from service.faq.routes import install_faq
from tests.service.faq.conftest import REFUSAL
from vraagbaak.settings import Settings

pytestmark = pytest.mark.browser
CHROMIUM = Path("/usr/bin/chromium")


@pytest.fixture
def server(settings: Settings, engine: Engine) -> Iterator[str]:
    app = create_app(settings, engine=engine, assistant=Assistant(engine, refusal=REFUSAL))
    install_faq(app, settings)
    yield from _serve(app)


@pytest.fixture
def keyed_server(settings: Settings, engine: Engine) -> Iterator[tuple[str, str]]:
    """A server run with --require-keys, and a key of scope faq for it."""
    settings = settings.model_copy(update={"require_api_keys": True})
    app = create_app(settings, engine=engine, assistant=Assistant(engine, refusal=REFUSAL))
    install_faq(app, settings)
    _, key = app.state.key_store.create("faq", name="trainer")
    for url in _serve(app):
        yield url, key


def _serve(app: FastAPI) -> Iterator[str]:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.time() + 20
    while not server.started:
        if time.time() > deadline or not thread.is_alive():
            pytest.fail("uvicorn did not start")
        time.sleep(0.05)
    yield f"http://127.0.0.1:{port}"
    server.should_exit = True
    thread.join(timeout=10)


def _chromium(playwright: Any) -> Any:
    return playwright.chromium.launch(
        executable_path=str(CHROMIUM),
        headless=True,
        args=["--no-sandbox", "--disable-gpu", "--disable-background-networking"],
    )


def _watch_errors(page: Any) -> list[str]:
    """Script errors, console errors and failed responses of ``page``, as they happen."""
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.on(
        "console",
        lambda msg: (
            errors.append(msg.text)
            if msg.type == "error" and "Failed to load resource" not in msg.text
            else None
        ),
    )
    page.on(
        "response",
        lambda response: (
            errors.append(f"{response.status} {response.url}")
            if response.status >= 400 and not response.url.endswith("/favicon.ico")
            else None
        ),
    )
    return errors


def test_trainer_flow_in_the_browser(server: str, tmp_path: Path) -> None:
    if not CHROMIUM.exists():
        pytest.skip("Chromium is not installed at /usr/bin/chromium")
    sync_api = pytest.importorskip("playwright.sync_api")
    with sync_api.sync_playwright() as playwright:
        browser = _chromium(playwright)
        page = browser.new_page(accept_downloads=True)
        errors = _watch_errors(page)
        requested: list[str] = []
        page.on("request", lambda request: requested.append(request.url))
        page.goto(f"{server}/faq")
        expect = sync_api.expect

        # Create a set.
        page.fill("#set-name", "Training JIM")
        page.fill("#set-description", "Voor nieuwe collega's")
        page.click("#create-set button[type=submit]")
        expect(page.locator("#set-title")).to_have_text("Training JIM")

        # Paste questions and upload a list → drafts.
        page.fill(
            "#questions",
            "Wie is regiehouder als SAVE MN bij aanvang betrokken is?\n"
            "Hoeveel jongeren kozen in 2018 een JIM?",
        )
        upload = tmp_path / "vragen.txt"
        upload.write_text(
            "Hoe lang waren de wachtlijsten voor specialistische hulp?\n", encoding="utf-8"
        )
        page.set_input_files("#questions-file", str(upload))
        page.click("#draft-button")
        expect(page.locator("#entries li")).to_have_count(3)
        expect(page.locator("#status")).to_contain_text("3 concept(en) gemaakt")

        # Review the first draft: the answer quotes the corpus and shows its source.
        page.locator("#entries li").first.click()
        expect(page.locator("#editor")).to_be_visible()
        expect(page.locator("#entry-answer")).to_have_value(
            "SAVE MN was regiehouder als zij al bij aanvang van het traject betrokken waren. [1]"
        )
        expect(page.locator("#citations li")).to_have_count(1)
        expect(page.locator("#citations li .vb-source")).to_contain_text("Evaluatie JIM-aanpak")

        # Edit, remove the citation, cite a sentence found by searching, approve.
        page.fill("#entry-answer", "SAVE MN heeft de regie als het er vanaf het begin bij is [1].")
        page.click("#save-entry")
        expect(page.locator("#status")).to_have_text("Opgeslagen.")
        page.click("#citations li button")
        expect(page.locator("#citations li")).to_have_count(1)
        expect(page.locator("#citations li")).to_contain_text("Geen bronnen")
        page.fill("#search-query", "SAVE MN regiehouder aanvang")
        page.click("#search-form button")
        sentence = page.locator("#search-results .vb-sentence").filter(
            has_text="SAVE MN was regiehouder"
        )
        sentence.locator("button").click()
        expect(page.locator("#citations blockquote")).to_have_text(
            "SAVE MN was regiehouder als zij al bij aanvang van het traject betrokken waren."
        )
        page.click("#approve-entry")
        expect(page.locator("#entry-status")).to_have_text("goedgekeurd")
        expect(page.locator("#entries li").first.locator(".vb-approved")).to_have_count(1)

        # Server text is shown as text, never as markup.
        page.fill("#entry-notes", "<img src=x onerror=alert(1)>")
        page.click("#save-entry")
        expect(page.locator("#status")).to_have_text("Opgeslagen.")
        assert page.locator("img").count() == 0

        # Export: the links download Markdown and an eval set.
        with page.expect_download() as markdown_download:
            page.click("#export-md")
        markdown = Path(markdown_download.value.path()).read_text(encoding="utf-8")
        assert "## Wie is regiehouder als SAVE MN bij aanvang betrokken is?" in markdown
        with page.expect_download() as evalset_download:
            page.click("#export-evalset")
        target = tmp_path / evalset_download.value.suggested_filename
        evalset_download.value.save_as(target)
        exported_set = load_goldset(target)
        assert [q.question for q in exported_set] == [
            "Wie is regiehouder als SAVE MN bij aanvang betrokken is?"
        ]
        assert exported_set[0].facts and all(  # content words, no bare years or digits
            not fact.isdigit() for fact in exported_set[0].facts
        )
        browser.close()
    assert errors == []
    assert all(url.startswith(server) for url in requested)


def test_exports_download_with_the_trainers_key(keyed_server: tuple[str, str]) -> None:
    """With --require-keys the page asks for a key once; the export links then send it."""
    if not CHROMIUM.exists():
        pytest.skip("Chromium is not installed at /usr/bin/chromium")
    sync_api = pytest.importorskip("playwright.sync_api")
    server, key = keyed_server
    prompts: list[str] = []

    def answer(dialog: Any) -> None:
        prompts.append(dialog.message)
        dialog.accept(key)

    with sync_api.sync_playwright() as playwright:
        browser = _chromium(playwright)
        page = browser.new_page(accept_downloads=True)
        page.on("dialog", answer)
        page.goto(f"{server}/faq")
        page.fill("#set-name", "Sleutelset")
        page.click("#create-set button[type=submit]")
        sync_api.expect(page.locator("#set-title")).to_have_text("Sleutelset")

        with page.expect_download() as download:
            page.click("#export-json")
        exported = json.loads(Path(download.value.path()).read_text(encoding="utf-8"))
        filename = download.value.suggested_filename
        browser.close()
    assert len(prompts) == 1 and "faq" in prompts[0]
    assert exported["set"]["name"] == "Sleutelset"
    assert filename.endswith(".json")


def test_set_pane_counts_and_dropdown_after_a_reload(server: str) -> None:
    """Issue 20's /faq bugs: counts as numbers, the dropdown inside its card, no set pane (and
    no empty badge) before a set is chosen, and "Concepten maken" without a set says why."""
    if not CHROMIUM.exists():
        pytest.skip("Chromium is not installed at /usr/bin/chromium")
    sync_api = pytest.importorskip("playwright.sync_api")
    expect = sync_api.expect
    errors: list[str] = []
    with sync_api.sync_playwright() as playwright:
        browser = _chromium(playwright)
        page = browser.new_page(viewport={"width": 1400, "height": 900})
        page.on("pageerror", lambda exc: errors.append(str(exc)))
        page.goto(f"{server}/faq")
        long_name = "Samenwerking tussen professionals in jeugdhulp en onderwijs, regio Utrecht"
        page.fill("#set-name", long_name)
        page.click("#create-set button[type=submit]")
        expect(page.locator("#set-title")).to_have_text(long_name)
        page.fill("#questions", "Wie is regiehouder?\nHoe lang waren de wachtlijsten?")
        page.click("#draft-button")
        expect(page.locator("#entries li")).to_have_count(2)
        expect(page.locator("#set-counts")).to_contain_text("2 vragen, 0 goedgekeurd")
        assert "[object Object]" not in page.locator("#set-counts").inner_text()

        # Suggested questions come from the passage's own statements, not from its title.
        page.locator("summary", has_text="Vragen voorstellen").click()
        page.select_option("#suggest-doc", "jim")
        page.click("#suggest-button")
        expect(page.locator("#suggestions li").first).to_contain_text(
            "Wanneer was SAVE MN regiehouder?"
        )
        suggested = page.locator("#suggestions li").all_inner_texts()
        assert not any("Wat zegt" in s or "Evaluatie JIM-aanpak" in s for s in suggested)

        card = page.locator(".vb-sets").bounding_box()
        picker = page.locator("#set-select").bounding_box()
        assert card and picker
        assert picker["x"] + picker["width"] <= card["x"] + card["width"]

        page.reload()
        expect(page.locator("#set-select")).to_have_value("")
        expect(page.locator("#set-view")).to_be_hidden()
        expect(page.locator("#editor")).to_be_hidden()
        expect(page.locator("#entry-stale")).to_be_hidden()
        page.evaluate("document.getElementById('draft-button').click()")
        expect(page.locator("#status")).to_have_text("Kies eerst een set (of maak er een).")
        browser.close()
    assert errors == []
