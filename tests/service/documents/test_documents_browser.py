"""The /documents page and the widget's page view in headless Chromium, against the service
under uvicorn on the small corpus (fake embedder). Screenshots go to docs/documents-*.png."""

from __future__ import annotations

import re
import shutil
import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from service.faq.drafting import make_citation
from service.faq.store import FaqStore, NewEntry
from tests.conftest import REAL_PDF, write_small_corpus
from tests.fakes import HashingEmbedder
from tests.service.documents.conftest import make_pdf
from vraagbaak.settings import Settings

playwright_api = pytest.importorskip("playwright.sync_api", reason="playwright is not installed")

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
]
DOCS = Path(__file__).resolve().parents[3] / "docs"
TIMEOUT_MS = 60_000
QUESTION = "Wie is de houder van een motorvoertuig bij het parkeren?"

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(
        not CHROMIUM.exists(),
        reason="needs Chromium at /usr/bin/chromium (apt-get install -y chromium)",
    ),
]


@pytest.fixture(scope="module")
def service(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    from ingest.pipeline import ingest

    root = tmp_path_factory.mktemp("documents-browser")
    corpus = write_small_corpus(root / "corpus")
    shutil.copy(REAL_PDF, corpus)  # a real municipal PDF: running headers, seven pages
    embedder = HashingEmbedder()
    settings = Settings(
        corpus_dir=corpus, data_dir=root / "data", embedder=embedder.name, store_feedback=False
    )
    ingest([corpus], settings.index_dir, embedder)
    server, thread, url = _serve(settings, embedder)
    try:
        yield {
            "url": url,
            "settings": settings,
            "root": root,
        }
    finally:
        server.should_exit = True
        thread.join(timeout=15)


def _serve(settings: Settings, embedder: HashingEmbedder) -> tuple[Any, threading.Thread, str]:
    import uvicorn

    from service.api.app import create_app
    from service.engine import Engine

    app = create_app(settings, engine=Engine.load(settings, embedder=embedder))
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    server = uvicorn.Server(uvicorn.Config(app, log_level="warning"))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    while not server.started:
        assert thread.is_alive(), "the service did not start"
        time.sleep(0.05)
    return server, thread, f"http://127.0.0.1:{sock.getsockname()[1]}"


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    with playwright_api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield browser
        browser.close()


def _page(browser: Any, width: int = 1280, height: int = 860, accept_dialogs: bool = True) -> Any:
    context = browser.new_context(
        viewport={"width": width, "height": height}, device_scale_factor=1 if width > 600 else 2
    )
    page = context.new_page()
    page.set_default_timeout(TIMEOUT_MS)
    page.errors = []
    page.on("pageerror", lambda error: page.errors.append(str(error)))
    if accept_dialogs:
        page.on("dialog", lambda dialog: dialog.accept())
    return page


def _search(page: Any, url: str, query: str) -> list[dict[str, Any]]:
    return page.evaluate(
        """async ([url, query]) => (await (await fetch(url + "/api/search", {method: "POST",
             headers: {"Content-Type": "application/json"},
             body: JSON.stringify({query, k: 5})})).json()).results""",
        [url, query],
    )


def _wait_done(page: Any, count: int) -> Any:
    page.wait_for_function(
        "n => document.querySelectorAll('[data-testid=job][data-state=done]').length >= n",
        arg=count,
    )
    return page.locator("[data-testid=job]").first


def test_upload_shows_progress_and_makes_documents_searchable(
    service: dict[str, Any], browser: Any
) -> None:
    page = _page(browser)
    page.goto(service["url"] + "/documents")
    meldcode = make_pdf(service["root"] / "meldcode-huiselijk-geweld.pdf")
    note = service["root"] / "pleegzorg.md"
    note.write_text(
        "# Pleegzorg\n\nEen pleegouder krijgt binnen zes weken een "
        "matchingsgesprek met de pleegzorgwerker.\n",
        "utf-8",
    )
    page.set_input_files("[data-testid=file-input]", [str(meldcode), str(note)])
    card = page.locator("[data-testid=job]").first
    card.locator("progress").wait_for()
    seen_progress = card.locator("p").inner_text()
    page.screenshot(path=str(DOCS / "documents-progress.png"))
    job = _wait_done(page, 1)
    assert "Klaar" in job.locator("p").inner_text() and seen_progress
    assert job.locator("li[data-status=searchable]").count() == 2
    row = page.locator(f"tr:has-text('{REAL_PDF.name}')")
    row.wait_for()
    row.get_by_role("button", name="Rapport").click()
    report = page.locator("tr.dm-report")
    report.locator("dl").wait_for()
    assert "Pagina 2/7" in report.inner_text() or "verwijderd" in report.inner_text()
    page.screenshot(path=str(DOCS / "documents-upload.png"), full_page=True)
    page.set_viewport_size({"width": 390, "height": 844})
    page.screenshot(path=str(DOCS / "documents-phone.png"), full_page=True)
    hits = _search(page, service["url"], "acute onveiligheid Veilig Thuis dezelfde dag")
    assert hits[0]["source"] == meldcode.name
    assert _search(page, service["url"], "matchingsgesprek pleegouder")[0]["source"] == note.name
    assert not page.errors


def test_replace_drops_the_old_text(service: dict[str, Any], browser: Any) -> None:
    page = _page(browser)
    page.goto(service["url"] + "/documents")
    assert (
        _search(page, service["url"], "gemiddelde wachttijd eerste gesprek")[0]["source"]
        == "buurtteams.txt"
    )
    new = service["root"] / "buurtteams.txt"
    new.write_text(
        "Halfjaarrapportage buurtteams\n\nDe buurtteams verhuisden in 2019 naar het "
        "nieuwe stadskantoor aan het plein.\n",
        "utf-8",
    )
    page.set_input_files("[data-testid=file-input]", str(new))
    _wait_done(page, 1)
    texts = " ".join(h["text"] for h in _search(page, service["url"], "gemiddelde wachttijd"))
    assert "wachttijd" not in texts
    assert "stadskantoor" in _search(page, service["url"], "stadskantoor")[0]["text"]
    page.screenshot(path=str(DOCS / "documents-replace.png"), full_page=True)


def test_delete_removes_the_document_and_flags_the_citing_faq_entry(
    service: dict[str, Any], browser: Any
) -> None:
    from ingest.index import load_index

    settings: Settings = service["settings"]
    index = load_index(settings.index_dir)
    chunk = next(c for c in index.chunks if c.doc_id == "jim" and "regie" in c.text)
    quote = next(s for s in chunk.sentence_texts() if "regie" in s)
    store = FaqStore.open(settings)
    store.create_set("Teamvragen")
    store.add_entry(
        "Teamvragen",
        NewEntry(
            "Wat doet de JIM-aanpak?", f"{quote} [1]", (make_citation(index, chunk.id, quote),)
        ),
    )
    store.close()
    page = _page(browser)
    page.goto(service["url"] + "/documents")
    row = page.locator("tr[data-doc=jim]")
    row.get_by_role("button", name="Verwijderen").click()
    job = _wait_done(page, 1)
    assert job.locator("li[data-status=removed]").count() == 1
    assert "1 FAQ-antwoord(en) gemarkeerd" in job.inner_text()
    page.locator("tr[data-doc=jim]").wait_for(state="detached")
    page.screenshot(path=str(DOCS / "documents-delete.png"), full_page=True)
    assert all(h["source"] != "jim.txt" for h in _search(page, service["url"], "JIM-aanpak"))
    faq = _page(browser)
    faq.goto(service["url"] + "/faq")
    faq.locator("[data-testid=set-select]").select_option("Teamvragen")
    faq.locator(".vb-stale").first.wait_for()
    faq.get_by_text("Wat doet de JIM-aanpak?").first.click()
    reason = faq.locator("#entry-stale")
    reason.wait_for()
    assert "no longer in the corpus" in reason.inner_text()
    faq.screenshot(path=str(DOCS / "documents-delete-faq-flagged.png"), full_page=True)


@pytest.mark.parametrize(("width", "height", "name"), [(1280, 860, "desktop"), (390, 800, "phone")])
def test_a_pdf_citation_opens_the_page_with_the_quote_highlighted(
    service: dict[str, Any], browser: Any, width: int, height: int, name: str
) -> None:
    page = _page(browser, width, height)
    page.goto(service["url"] + "/")
    box = page.locator("vraagbaak-chat textarea[name=question]")
    box.fill(QUESTION)
    box.press("Enter")
    answer = page.locator("vraagbaak-chat .msg.bot:not(.pending)").last
    answer.wait_for()
    cite = answer.locator(".sources button.source").first
    cite.click()
    image = page.locator("vraagbaak-chat .viewer .pages img[src^='data:image/png']").first
    image.wait_for()
    page.wait_for_function(
        "() => [...document.querySelector('vraagbaak-chat').shadowRoot"
        ".querySelectorAll('.pages img')].every(i => i.complete && i.naturalWidth > 0)"
    )
    link = page.locator("vraagbaak-chat .viewer .pages a.original")
    assert "/file#page=" in link.get_attribute("href")
    page.screenshot(path=str(DOCS / f"documents-citation-{name}.png"))
    assert not page.errors


def test_with_keys_the_page_asks_for_an_admin_key_and_opens_originals_with_it(
    browser: Any, tmp_path: Path
) -> None:
    from ingest.pipeline import ingest
    from service.security.keys import KeyStore

    corpus = write_small_corpus(tmp_path / "corpus")
    embedder = HashingEmbedder()
    settings = Settings(
        corpus_dir=corpus,
        data_dir=tmp_path / "data",
        embedder=embedder.name,
        require_api_keys=True,
        store_feedback=False,
    )
    ingest([corpus], settings.index_dir, embedder)
    _, key = KeyStore(settings.database_path).create("admin", name="kennisbeheer")
    server, thread, url = _serve(settings, embedder)
    try:
        page = _page(browser, accept_dialogs=False)
        prompts = []

        def answer(dialog: Any) -> None:
            prompts.append(dialog.type)
            dialog.accept(key if dialog.type == "prompt" else None)

        page.on("dialog", answer)
        page.goto(url + "/documents")
        page.locator("tr[data-doc=jim]").wait_for()
        assert prompts == ["prompt"]
        with page.context.expect_page() as opened:
            page.locator("tr[data-doc=jim]").get_by_role("link", name="Origineel").click()
        opened.value.wait_for_url(re.compile(r"^blob:"))
        note = tmp_path / "nieuw.txt"
        note.write_text("Een nieuw protocol over de wijkverpleegkundige.\n", "utf-8")
        page.set_input_files("[data-testid=file-input]", str(note))
        _wait_done(page, 1)
        page.locator("tr:has-text('nieuw.txt')").wait_for()
        assert prompts == ["prompt"] and not page.errors
    finally:
        server.should_exit = True
        thread.join(timeout=15)
