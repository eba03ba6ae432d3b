"""Make the screenshots of the evaluation workbench (/eval) and the FAQ editor (/faq) in docs/.

    python docs/make_workbench_screenshots.py --data-dir /path/to/data-dir-with-an-index

The index in ``--data-dir`` is copied to a temporary folder (nothing is written there). The
/eval flow is the one an evaluator follows: a set made by clicking the answering sentence of
three gold questions of the bundled set, one question marked not answerable, then a run.
Needs Chromium at /usr/bin/chromium and the Python playwright package.
"""

from __future__ import annotations

import argparse
import json
import shutil
import socket
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
DOCS = ROOT / "docs"
GOLD = ROOT / "evals" / "gold" / "vraagbaak.jsonl"
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--no-first-run"]  # fmt: skip


def serve(data_dir: Path) -> tuple[Any, str]:
    import uvicorn

    from service.api.app import create_app
    from vraagbaak.settings import Settings

    settings = Settings(data_dir=data_dir, corpus_dir=ROOT / "corpus")
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    server = uvicorn.Server(
        uvicorn.Config(create_app(settings), host="127.0.0.1", port=port, log_level="warning")
    )
    threading.Thread(target=server.run, daemon=True).start()
    while not server.started:
        time.sleep(0.1)
    return server, f"http://127.0.0.1:{port}"


def gold_questions() -> tuple[list[dict[str, Any]], dict[str, Any]]:
    items = [json.loads(line) for line in GOLD.read_text(encoding="utf-8").splitlines() if line]
    dev = [i for i in items if i.get("split", "dev") == "dev" and i["language"] == "nl"]
    return [i for i in dev if i["answerable"]], next(i for i in dev if not i["answerable"])


def eval_page(page: Any, url: str) -> None:
    from playwright.sync_api import expect

    answerable, unanswerable = gold_questions()
    page.goto(f"{url}/eval")
    page.fill("#set-name", "Regie en samenwerking")
    page.click("#create-set button[type=submit]")
    page.wait_for_selector("#set-view:not([hidden])")
    added = 0
    for item in answerable:
        page.fill("#question", item["question"])
        page.click("#find")
        page.wait_for_selector("#passages li")
        words = " ".join(item["quotes"][0].split()[:5])
        pick = page.locator("#passages .vb-pick", has_text=words)
        if pick.count() == 0:
            continue
        pick.first.click()
        added += 1
        expect(page.locator("#items li[data-item-id]")).to_have_count(added)
        if added == 3:
            break
    page.fill("#question", unanswerable["question"])
    page.click("#unanswerable")
    expect(page.locator("#items li[data-item-id]")).to_have_count(4)
    page.fill("#question", answerable[10]["question"])
    page.click("#find")
    page.wait_for_selector("#passages li")
    page.click("#run")
    page.wait_for_selector("#verdicts li", timeout=120_000)
    page.uncheck("#failures-only")
    page.evaluate("window.scrollTo(0, 0)")
    page.screenshot(path=str(DOCS / "eval-workbench.png"))
    page.click("#language")
    page.evaluate("window.scrollTo(0, 0)")
    page.screenshot(path=str(DOCS / "eval-workbench-english.png"))
    page.click("#language")


def faq_page(page: Any, url: str) -> None:
    page.goto(f"{url}/faq")
    page.fill("#set-name", "Regie en samenwerking in JIM-trajecten")
    page.click("#create-set button[type=submit]")
    page.wait_for_selector("#set-view:not([hidden])")
    page.fill(
        "#questions",
        "Wie heeft de regie als SAVE vanaf het begin betrokken is?\n"
        "Hoeveel gezinswerkers startten in het eerste half jaar?",
    )
    page.click("#draft-button")
    page.wait_for_selector("#entries li[data-entry-id]", timeout=60_000)
    page.locator("#entries li").first.click()
    page.wait_for_selector("#editor:not([hidden])")
    page.locator("summary", has_text="Vragen voorstellen").click()
    page.click("#suggest-button")
    page.wait_for_selector("#suggestions li")
    page.screenshot(path=str(DOCS / "faq-editor.png"), full_page=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--data-dir", type=Path, required=True, help="Holds index/current")
    args = parser.parse_args()
    from playwright.sync_api import sync_playwright

    with tempfile.TemporaryDirectory() as folder:
        data_dir = Path(folder)
        shutil.copytree(args.data_dir / "index", data_dir / "index", symlinks=True)
        server, url = serve(data_dir)
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(
                executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS
            )
            page = browser.new_page(viewport={"width": 1440, "height": 1100})
            page.on("dialog", lambda dialog: dialog.accept())
            eval_page(page, url)
            faq_page(page, url)
            browser.close()
        server.should_exit = True


if __name__ == "__main__":
    main()
