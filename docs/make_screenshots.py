"""Make the widget screenshots in docs/ from the real service and a real index.

    python docs/make_screenshots.py [--data-dir .vraagbaak]

Uses the index in ``--data-dir`` (copied to a temporary folder, so nothing is written
there); without one, the shipped corpus is ingested with the bundled model first, which
takes a while. Needs Chromium at /usr/bin/chromium and the Python playwright package.
"""

from __future__ import annotations

import argparse
import shutil
import socket
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DOCS = ROOT / "docs"
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--no-first-run"]
QUESTION = "wie heeft de regie als SAVE betrokken is?"
FOLLOW_UP = "en wat als SAVE later instapt?"
ENGLISH_QUESTION = "Who holds the lead when SAVE is involved?"
REFUSED_QUESTION = "Wat is de hoofdstad van Australië?"
# A FAQ entry a trainer approved, citing one sentence of the reports (found by its words).
CURATED_QUESTION = "Wanneer is SAVE de regiehouder?"
CURATED_ANSWER = "SAVE is de regiehouder als SAVE al bij de start van het traject betrokken is [1]."
CURATED_QUOTE_WORDS = ("SAVE MN was regiehouder", "bij aanvang")


def prepare_data(source: Path | None, target: Path) -> None:
    from ingest.embedders import load_embedder
    from ingest.pipeline import ingest

    if source is not None and (source / "index" / "current").exists():
        shutil.copytree(source / "index", target / "index", symlinks=True)
    ingest([ROOT / "corpus"], target / "index", load_embedder("e5-small-q4"))
    add_curated_answer(target)


def add_curated_answer(data_dir: Path) -> None:
    """One approved FAQ entry, so a screenshot shows a trainer's checked answer."""
    from ingest.embedders import load_embedder
    from ingest.index import load_index
    from service.faq.drafting import approve, make_citation
    from service.faq.store import FaqStore, NewEntry

    index = load_index(data_dir / "index", load_embedder("e5-small-q4").name)
    chunk, quote = next(
        (chunk, text)
        for chunk in index.chunks
        for start, end in chunk.sentences
        if all(w in (text := chunk.text[start:end]) for w in CURATED_QUOTE_WORDS)
    )
    store = FaqStore(data_dir / "faq.sqlite")
    store.create_set("regie", language="nl")
    citation = make_citation(index, chunk.id, quote)
    entry = store.add_entry("regie", NewEntry(CURATED_QUESTION, CURATED_ANSWER, (citation,)))
    approve(store, "regie", entry.id, "trainer", index)
    store.close()


def serve(data_dir: Path):  # type: ignore[no-untyped-def]
    import uvicorn

    from service.api.app import create_app
    from vraagbaak.settings import Settings

    settings = Settings(corpus_dir=ROOT / "corpus", data_dir=data_dir, store_feedback=False)
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    server = uvicorn.Server(uvicorn.Config(create_app(settings), log_level="warning"))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    while not server.started:
        if not thread.is_alive():
            raise SystemExit("the service did not start")
        time.sleep(0.05)
    return server, thread, f"http://127.0.0.1:{sock.getsockname()[1]}"


def ask(page, question: str):  # type: ignore[no-untyped-def]
    box = page.locator("vraagbaak-chat textarea[name=question]")
    box.fill(question)
    box.press("Enter")
    answer = page.locator("vraagbaak-chat .msg.bot:not(.pending)").last
    answer.wait_for(state="visible")
    return answer


def shoot(browser, url: str, width: int, height: int, questions: tuple[str, ...], out: Path,  # type: ignore[no-untyped-def]
          open_first: str | None) -> None:
    context = browser.new_context(viewport={"width": width, "height": height},
                                  device_scale_factor=1 if width > 600 else 2)
    page = context.new_page()
    page.set_default_timeout(60_000)
    page.goto(url)
    for question in questions:
        answer = ask(page, question)
    if open_first and answer.locator(open_first).count():
        answer.locator(open_first).first.click()
        page.locator("vraagbaak-chat .viewer .context").wait_for(state="visible")
    page.wait_for_timeout(300)
    page.screenshot(path=str(out))
    print(f"wrote {out.relative_to(ROOT)}")  # noqa: T201
    context.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--data-dir", type=Path, default=ROOT / ".vraagbaak",
                        help="a data dir holding an index to reuse (default: .vraagbaak)")
    args = parser.parse_args()

    from playwright.sync_api import sync_playwright

    with tempfile.TemporaryDirectory() as tmp:
        data_dir = Path(tmp)
        prepare_data(args.data_dir, data_dir)
        server, thread, api = serve(data_dir)
        try:
            with sync_playwright() as p:
                browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
                shoot(browser, api + "/", 1280, 800, (QUESTION, FOLLOW_UP),
                      DOCS / "screenshot-desktop.png", "button.cite")
                shoot(browser, api + "/", 375, 740, (QUESTION,),
                      DOCS / "screenshot-phone.png", "button.cite")
                shoot(browser, api + "/", 1280, 800, (REFUSED_QUESTION,),
                      DOCS / "screenshot-refusal.png", ".related button.source")
                shoot(browser, api + "/", 1280, 800, (ENGLISH_QUESTION,),
                      DOCS / "screenshot-english.png", "button.cite")
                shoot(browser, api + "/", 375, 740, (ENGLISH_QUESTION,),
                      DOCS / "screenshot-english-phone.png", None)
                shoot(browser, api + "/", 1280, 800, (CURATED_QUESTION,),
                      DOCS / "screenshot-curated.png", "button.cite")
                shoot(browser, api + "/", 375, 740, (CURATED_QUESTION,),
                      DOCS / "screenshot-curated-phone.png", None)
                browser.close()
        finally:
            server.should_exit = True
            thread.join(timeout=10)


if __name__ == "__main__":
    main()
