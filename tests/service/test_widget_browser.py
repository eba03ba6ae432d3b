"""The chat widget in real headless Chromium, against the real service and the real index.

Three origins take part, as in production:

- the Vraagbaak service (uvicorn, in a thread), which serves ``/widget.js`` and the API;
- an "intranet" page on another origin that IS in ``cors_origins`` and embeds the widget with
  only a script tag (no ``api`` attribute) under hostile host CSS;
- a page on a third origin that is NOT allowed, which must explain the CORS problem.
"""

from __future__ import annotations

import http.server
import json
import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

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

pytestmark = [
    pytest.mark.browser,
    pytest.mark.integration,
    pytest.mark.skipif(
        not CHROMIUM.exists(),
        reason="needs Chromium at /usr/bin/chromium (apt-get install -y chromium)",
    ),
]

ANSWERABLE = "wie heeft de regie als SAVE betrokken is?"
UNANSWERABLE = "Hoeveel gezinnen bereikten de buurtteams in Amersfoort in 2023?"
TIMEOUT_MS = 60_000

HOST_PAGE = """<!doctype html>
<html lang="nl">
<head>
  <meta charset="utf-8">
  <title>Intranet</title>
  <style>
    * {{ color: red !important; font-size: 40px; line-height: 3; font-family: serif; }}
    button {{ display: none }}
    div, p, ol, li, textarea {{ margin: 30px; padding: 30px; border: 5px dotted green; }}
  </style>
  <script src="{api}/widget.js"></script>
</head>
<body>
  <h1>Intranet van een jeugdhulporganisatie</h1>
  <button id="host-button">host button</button>
  <vraagbaak-chat {attrs}></vraagbaak-chat>
</body>
</html>
"""


# --- servers -------------------------------------------------------------------------------


class _PageServer:
    """A tiny static server on its own origin, serving the host page (filled in later)."""

    def __init__(self) -> None:
        self.pages: dict[str, str] = {}
        pages = self.pages

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                path = self.path.split("?")[0]
                body = pages.get(path)
                if body is None:
                    self.send_error(404)
                    return
                data = body.encode("utf-8")
                self.send_response(200)
                self.send_header("Content-Type", "text/html; charset=utf-8")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, *args: Any) -> None:
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.origin = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def url(self, path: str = "/") -> str:
        return self.origin + path

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


class _Service:
    """The real app under uvicorn in a thread, on a socket bound before it starts."""

    def __init__(self, settings: Settings) -> None:
        import uvicorn

        from service.api.app import create_app

        self.sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.sock.bind(("127.0.0.1", 0))
        self.origin = f"http://127.0.0.1:{self.sock.getsockname()[1]}"
        config = uvicorn.Config(create_app(settings), log_level="warning", lifespan="on")
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(
            target=self.server.run, kwargs={"sockets": [self.sock]}, daemon=True
        )
        self.thread.start()
        deadline = time.monotonic() + 180
        while not self.server.started:
            if not self.thread.is_alive():
                raise RuntimeError("the Vraagbaak service did not start; see the log above")
            if time.monotonic() > deadline:
                raise RuntimeError("the Vraagbaak service did not start within 180 s")
            time.sleep(0.05)

    def close(self) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=15)
        self.sock.close()


@pytest.fixture(scope="module")
def site(real_index_settings: Settings) -> Iterator[dict[str, Any]]:
    allowed = _PageServer()
    foreign = _PageServer()
    settings = real_index_settings.model_copy(update={"cors_origins": [allowed.origin]})
    service = _Service(settings)
    page = HOST_PAGE.format(api=service.origin, attrs="")
    allowed.pages["/"] = page
    allowed.pages["/en"] = HOST_PAGE.format(api=service.origin, attrs='lang="en"')
    foreign.pages["/"] = page
    try:
        yield {"api": service.origin, "host": allowed, "foreign": foreign, "settings": settings}
    finally:
        service.close()
        allowed.close()
        foreign.close()


@pytest.fixture(scope="module")
def keyed_site(real_index_settings: Settings) -> Iterator[dict[str, Any]]:
    """A service run with --require-keys; the host page embeds the widget with an ask key
    bound to its origin (what `vraagbaak keys create --scope ask --origin …` prints)."""
    from service.security.keys import KeyStore

    host = _PageServer()
    settings = real_index_settings.model_copy(
        update={"cors_origins": [host.origin], "require_api_keys": True}
    )
    _, key = KeyStore(settings.database_path).create("ask", name="intranet", origins=[host.origin])
    service = _Service(settings)
    host.pages["/"] = HOST_PAGE.format(api=service.origin, attrs=f'api-key="{key}"')
    host.pages["/without-key"] = HOST_PAGE.format(api=service.origin, attrs="")
    try:
        yield {"host": host}
    finally:
        service.close()
        host.close()


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    with playwright_api.sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True
        )
        yield browser
        browser.close()


@pytest.fixture
def page(browser: Any) -> Iterator[Any]:
    context = browser.new_context(viewport={"width": 1280, "height": 800})
    page = context.new_page()
    page.set_default_timeout(TIMEOUT_MS)
    page.errors = []  # type: ignore[attr-defined]
    page.console_errors = []  # type: ignore[attr-defined]
    page.on("pageerror", lambda error: page.errors.append(str(error)))
    page.on("console", lambda m: m.type == "error" and page.console_errors.append(m.text))
    yield page
    context.close()


# --- helpers -------------------------------------------------------------------------------


def shadow(page: Any, js: str) -> Any:
    """Evaluate ``js`` with ``root`` bound to the widget's shadow root."""
    return page.evaluate(
        f"() => {{ const root = document.querySelector('vraagbaak-chat').shadowRoot; {js} }}"
    )


def ask(page: Any, question: str) -> Any:
    """Type a question, press Enter, wait until the finished answer (or error) is shown."""
    count = page.locator("vraagbaak-chat .msg.bot:not(.pending)").count()
    box = page.locator("vraagbaak-chat textarea[name=question]")
    box.fill(question)
    box.press("Enter")
    finished = page.locator("vraagbaak-chat .msg.bot:not(.pending)").nth(count)
    finished.wait_for(state="visible")
    return finished


def stored_answers(page: Any) -> list[dict[str, Any]]:
    stored = page.evaluate(
        "() => Object.keys(sessionStorage).filter(k => k.startsWith('vraagbaak-chat:'))"
        ".map(k => JSON.parse(sessionStorage.getItem(k)))"
    )
    assert len(stored) == 1, stored
    return [m["answer"] for m in stored[0]["messages"] if m["role"] == "bot"]


WATCH_WORKING_STATE = """
() => {
  const root = document.querySelector('vraagbaak-chat').shadowRoot;
  const seen = window.__vraagbaak = {working: [], busy: false, streamed: []};
  const look = () => {
    const working = root.querySelector('.pending .working');
    if (working) seen.working.push(working.textContent);
    if (root.querySelector('[role=log]').getAttribute('aria-busy') === 'true') seen.busy = true;
    const streaming = root.querySelector('.pending .answer');
    if (streaming) seen.streamed.push(streaming.textContent);
  };
  new MutationObserver(look).observe(root, {subtree: true, childList: true,
    characterData: true, attributes: true});
}
"""


# --- tests ---------------------------------------------------------------------------------


def test_answer_streams_and_citation_opens_the_highlighted_quote(site: dict, page: Any) -> None:
    page.goto(site["host"].url())
    page.evaluate(WATCH_WORKING_STATE)

    answer = ask(page, ANSWERABLE)

    seen = page.evaluate("() => window.__vraagbaak")
    assert "Bezig met zoeken…" in seen["working"], seen
    assert seen["busy"], "the message list was never aria-busy while working"
    streamed = [text for text in seen["streamed"] if text]
    assert len(set(streamed)) >= 2, f"the answer did not stream in pieces: {streamed}"
    assert (
        shadow(page, "return root.querySelector('[role=log]').getAttribute('aria-busy')") == "false"
    )
    assert shadow(page, "return root.activeElement && root.activeElement.name") == "question"

    assert "refused" not in (answer.get_attribute("class") or "")
    data = stored_answers(page)[-1]
    assert not data["refused"] and data["citations"], data
    assert "[1]" in data["answer"]
    sources = answer.locator(".sources.cited li")
    assert sources.count() == len(data["citations"])
    assert data["citations"][0]["title"] in sources.first.inner_text()

    marker = answer.locator("button.cite[data-n='1']").first
    assert marker.inner_text() == "[1]"
    marker.click()
    mark = page.locator("vraagbaak-chat .viewer mark")
    mark.wait_for(state="visible")
    quote = data["citations"][0]["quote"]
    assert " ".join(mark.inner_text().split()) == " ".join(quote.split())
    # the highlighted quote is scrolled into view inside the passage viewer
    box, body = mark.bounding_box(), page.locator("vraagbaak-chat .viewer-body").bounding_box()
    assert box and body
    assert body["y"] <= box["y"] and box["y"] + min(box["height"], 40) <= body["y"] + body["height"]
    # and shown inside its surrounding context
    context = page.locator("vraagbaak-chat .viewer .context").inner_text()
    assert len(context) > len(quote)
    assert page.errors == []


def test_api_key_attribute_opens_a_service_that_requires_keys(keyed_site: dict, page: Any) -> None:
    page.goto(keyed_site["host"].url())

    answer = ask(page, ANSWERABLE)

    assert "error" not in (answer.get_attribute("class") or "")
    data = stored_answers(page)[-1]
    assert not data["refused"] and data["citations"], data
    answer.locator("button.cite[data-n='1']").first.click()  # the passage, with the key too
    page.locator("vraagbaak-chat .viewer mark").wait_for(state="visible")

    page.goto(keyed_site["host"].url("/without-key"))
    refused = ask(page, ANSWERABLE)
    assert "error" in (refused.get_attribute("class") or "")
    assert "Authorization: Bearer" in refused.inner_text()
    assert page.errors == []


def test_source_list_opens_the_passage_and_escape_closes_it(site: dict, page: Any) -> None:
    page.goto(site["host"].url())
    answer = ask(page, ANSWERABLE)
    data = stored_answers(page)[-1]
    last = data["citations"][-1]
    answer.locator(".sources button.source").last.click()
    mark = page.locator("vraagbaak-chat .viewer mark")
    mark.wait_for(state="visible")
    assert " ".join(mark.inner_text().split()) == " ".join(last["quote"].split())
    assert last["title"] in page.locator("vraagbaak-chat .viewer h3").inner_text()
    page.keyboard.press("Escape")
    page.locator("vraagbaak-chat .viewer").wait_for(state="hidden")
    # focus went back to the source that opened it
    assert shadow(page, "return root.activeElement.classList.contains('source')")


def check_refusal(page: Any, answer: Any, heading: str, related_label: str) -> None:
    """A refusal looks different and offers the related passages, openable like sources."""
    data = stored_answers(page)[-1]
    assert data["refused"], (
        f"the backend answered instead of refusing: {data['answer']!r} "
        f"(confidence {data.get('confidence')})"
    )
    assert "refused" in (answer.get_attribute("class") or "")
    assert answer.locator("h3.refusal-title").inner_text().strip() == heading
    looks = shadow(
        page,
        """
        const look = (el) => { const s = getComputedStyle(el);
          return [s.backgroundColor, s.borderLeftStyle]; };
        return [look(root.querySelector('.msg.bot.refused')),
                look(root.querySelector('.msg.bot:not(.refused)') || document.body)];
    """,
    )
    assert looks[0][1] == "dashed" and looks[0] != looks[1], looks
    assert answer.locator(".sources.cited").count() == 0
    assert data["related"], "a refusal should offer possibly related passages"
    related = answer.locator(".sources.related")
    assert related.locator("h4").text_content() == related_label
    assert related.locator("button.source").count() == len(data["related"])
    related.locator("button.source").first.click()
    page.locator("vraagbaak-chat .viewer .context").wait_for(state="visible")
    quote = data["related"][0]["quote"]
    if quote:
        mark = page.locator("vraagbaak-chat .viewer mark")
        assert " ".join(mark.inner_text().split()) == " ".join(quote.split())


def test_unanswerable_question_is_refused_with_related_passages(site: dict, page: Any) -> None:
    page.goto(site["host"].url())
    answer = ask(page, UNANSWERABLE)
    check_refusal(page, answer, "Niet gevonden in de documenten", "Mogelijk gerelateerd")


def test_refusal_style_on_an_off_topic_question(site: dict, page: Any) -> None:
    page.goto(site["host"].url())
    answer = ask(page, "Wat is de hoofdstad van Australië?")
    check_refusal(page, answer, "Niet gevonden in de documenten", "Mogelijk gerelateerd")


def test_english_answer_gets_english_labels(site: dict, page: Any) -> None:
    page.goto(site["host"].url())  # Dutch interface
    answer = ask(page, "Who is in charge when SAVE is involved?")
    data = stored_answers(page)[-1]
    assert data["language"] == "en", data
    assert answer.get_attribute("lang") == "en"
    assert (
        answer.locator("button.thumb[data-rating='up']").get_attribute("aria-label")
        == "Yes, helpful"
    )
    if data["refused"]:
        check_refusal(page, answer, "Not found in the documents", "Possibly related")
    else:
        assert answer.locator(".sources.cited h4").text_content() == "Sources"
    # the rest of the interface stays Dutch
    assert page.locator("vraagbaak-chat button.new").inner_text().strip() == "Nieuw gesprek"


def test_an_english_answer_is_framed_in_english_with_the_dutch_terms_glossed(
    site: dict, page: Any
) -> None:
    from service.answering.messages import QUOTED_FROM_DUTCH

    page.goto(site["host"].url())
    answer = ask(page, "Who holds the lead when SAVE is involved?")
    data = stored_answers(page)[-1]
    assert data["language"] == "en" and not data["refused"], data
    text = answer.locator(".answer").inner_text()
    assert text.startswith(QUOTED_FROM_DUTCH)
    assert data["gloss"] and f"{data['gloss'][0]['term']} ({data['gloss'][0]['english']})" in text
    for citation in data["citations"]:  # the Dutch quotes, verbatim in the answer
        assert " ".join(citation["quote"].split()) in " ".join(text.split())
    assert answer.locator(".sources.cited h4").text_content() == "Sources"


def test_the_rewritten_question_is_shown_only_when_it_says_more(site: dict, page: Any) -> None:
    page.goto(site["host"].url())
    first = ask(page, ANSWERABLE)
    assert first.locator(".interpreted").count() == 0
    follow = ask(page, "en wat als SAVE later instapt?")
    standalone = stored_answers(page)[-1]["standalone_question"]
    assert standalone != "en wat als SAVE later instapt?"
    assert follow.locator(".interpreted").inner_text() == f"Opgevat als: {standalone}"
    again = ask(page, "Wie heeft de regie als SAVE betrokken is")  # stands on its own
    assert again.locator(".interpreted").count() == 0


def test_a_trainers_answer_is_marked_with_the_date_and_only_its_cited_sources(
    site: dict, page: Any
) -> None:
    from datetime import UTC, datetime

    from ingest.index import load_index
    from service.faq.drafting import approve, make_citation
    from service.faq.store import FaqStore, NewEntry

    settings = site["settings"]
    index = load_index(settings.index_dir, settings.embedder)
    chunk = next(c for c in index.chunks if "SAVE MN was regiehouder" in c.text)
    sentences = [chunk.text[a:b] for a, b in chunk.sentences]
    used = next(s for s in sentences if "SAVE MN was regiehouder" in s)
    unused = next(s for s in sentences if s != used and len(s.split()) > 5)
    question = f"Wanneer heeft SAVE de regie ({time.time_ns()})?"
    store = FaqStore.open(settings)
    try:
        name = f"regie-{time.time_ns()}"
        store.create_set(name, language="nl")
        citations = (make_citation(index, chunk.id, unused), make_citation(index, chunk.id, used))
        entry = store.add_entry(name, NewEntry(question, "SAVE heeft de regie [2].", citations))
        approve(store, name, entry.id, "trainer", index)
    finally:
        store.close()

    page.goto(site["host"].url())
    answer = ask(page, question)
    data = stored_answers(page)[-1]
    assert data["mode"] == "curated" and data["checked_on"] == datetime.now(UTC).date().isoformat()
    mark = answer.locator(".checked").inner_text()
    assert (
        mark.startswith("Gecontroleerd door een trainer op ") and str(datetime.now().year) in mark
    )
    assert answer.locator(".sources.cited li").count() == 1
    assert answer.locator(".answer").inner_text() == "SAVE heeft de regie [1]."
    assert " ".join(used.split())[:40] in answer.locator(".sources.cited .quote").inner_text()


def test_thumbs_down_with_a_comment_is_stored(site: dict, page: Any) -> None:
    from service.feedback import FeedbackStore

    page.goto(site["host"].url())
    answer = ask(page, ANSWERABLE)
    data = stored_answers(page)[-1]
    comment = f"De rol van het buurtteam ontbreekt ({time.time_ns()})"
    answer.locator("button.thumb[data-rating='down']").click()
    assert (
        answer.locator("button.thumb[data-rating='down']").get_attribute("aria-pressed") == "true"
    )
    answer.locator(".feedback textarea").fill(comment)
    answer.locator(".feedback button[type=submit]").click()
    thanks = answer.locator(".thanks")
    thanks.wait_for(state="visible")
    assert thanks.inner_text() == "Bedankt voor je feedback!"

    store = FeedbackStore(site["settings"].database_path)
    try:
        rows = [row for row in store.all() if row["comment"] == comment]
    finally:
        store.close()
    assert len(rows) == 1, rows
    row = rows[0]
    assert row["rating"] == "down"
    assert row["question"] == ANSWERABLE
    assert row["conversation_id"] == data["conversation_id"]
    assert row["chunk_ids"] == list(dict.fromkeys(c["chunk_id"] for c in data["citations"]))
    assert row["answer"]


def test_follow_up_continues_the_conversation_and_survives_a_reload(site: dict, page: Any) -> None:
    bodies: list[dict[str, Any]] = []

    def record(request: Any) -> None:
        if request.url.endswith("/api/chat/stream"):
            bodies.append(json.loads(request.post_data or "{}"))

    page.on("request", record)
    page.goto(site["host"].url())
    ask(page, ANSWERABLE)
    first_id = stored_answers(page)[-1]["conversation_id"]
    ask(page, "en wat doet het buurtteam dan?")
    assert bodies[0].get("conversation_id") is None
    assert bodies[1]["conversation_id"] == first_id

    page.reload()
    page.locator("vraagbaak-chat .msg.bot").nth(1).wait_for(state="visible")
    assert page.locator("vraagbaak-chat .msg.user").count() == 2
    ask(page, "en de gezinswerker?")
    assert bodies[2]["conversation_id"] == first_id

    page.locator("vraagbaak-chat button.new").click()
    assert page.locator("vraagbaak-chat .msg").count() == 0
    ask(page, ANSWERABLE)
    assert bodies[3].get("conversation_id") is None


def test_enter_sends_and_shift_enter_adds_a_line(site: dict, page: Any) -> None:
    page.goto(site["host"].url())
    box = page.locator("vraagbaak-chat textarea[name=question]")
    box.click()
    page.keyboard.type("wie heeft de regie")
    page.keyboard.press("Shift+Enter")
    page.keyboard.type("als SAVE betrokken is?")
    assert box.input_value() == "wie heeft de regie\nals SAVE betrokken is?"
    assert page.locator("vraagbaak-chat .msg.user").count() == 0

    page.keyboard.press("Enter")
    page.locator("vraagbaak-chat .msg.bot:not(.pending)").first.wait_for(state="visible")
    assert (
        page.locator("vraagbaak-chat .msg.user")
        .first.inner_text()
        .endswith("wie heeft de regie\nals SAVE betrokken is?")
    )
    assert box.input_value() == ""
    assert shadow(page, "return root.activeElement && root.activeElement.name") == "question"

    # keyboard focus is visible
    page.keyboard.press("Shift+Tab")
    outline = shadow(
        page,
        """
        const s = getComputedStyle(root.activeElement);
        return [root.activeElement.tagName, s.outlineStyle, s.outlineWidth];
    """,
    )
    assert outline[1] != "none" and outline[2] != "0px", outline


def test_host_page_css_does_not_change_the_widget(site: dict, page: Any) -> None:
    page.goto(site["host"].url())
    send = page.locator("vraagbaak-chat button.send")
    assert send.is_visible()
    assert send.get_attribute("aria-label") == "Verstuur vraag"
    assert page.locator("vraagbaak-chat button.new").is_visible()
    looks = shadow(
        page,
        """
        const s = getComputedStyle(root.querySelector('.root'));
        const t = getComputedStyle(root.querySelector('textarea'));
        return [s.color, s.fontSize, t.fontSize, t.marginTop];
    """,
    )
    assert looks[0] != "rgb(255, 0, 0)" and looks[1] == "15px" and looks[2] == "15px", looks
    assert looks[3] == "0px"
    # ... and the widget does not change the host page
    assert not page.locator("#host-button").is_visible()
    assert page.evaluate("getComputedStyle(document.querySelector('h1')).color") == "rgb(255, 0, 0)"
    # the log is announced to screen readers
    assert shadow(
        page,
        "const l = root.querySelector('[role=log]');"
        "return [l.getAttribute('aria-live'), l.getAttribute('aria-label')]",
    ) == ["polite", "Gesprek"]


def test_page_on_an_origin_not_allowed_explains_cors(site: dict, page: Any) -> None:
    page.goto(site["foreign"].url())
    error = ask(page, ANSWERABLE)
    assert "error" in (error.get_attribute("class") or "")
    assert error.inner_text().strip() == (
        "Kan Vraagbaak niet bereiken vanaf deze pagina — staat deze website in "
        "VRAAGBAAK_CORS_ORIGINS?"
    )
    origin = site["foreign"].origin
    assert any("VRAAGBAAK_CORS_ORIGINS" in m and origin in m for m in page.console_errors), (
        page.console_errors
    )


def test_english_labels(site: dict, page: Any) -> None:
    page.goto(site["host"].url("/en"))
    assert page.locator("vraagbaak-chat button.send").get_attribute("aria-label") == "Send question"
    assert page.locator("vraagbaak-chat button.new").inner_text().strip() == "New conversation"
    box = page.locator("vraagbaak-chat textarea[name=question]")
    assert box.get_attribute("placeholder") == "Ask a question…"


def test_server_text_is_never_markup(site: dict, page: Any) -> None:
    """A passage with HTML in it (think: a malicious PDF) is shown as text, never run."""
    evil = '<img src=x onerror="window.__pwned=1"><script>window.__pwned=2</script>'
    citation: dict[str, Any] = {
        "n": 1,
        "chunk_id": "evil",
        "source": "evil.pdf",
        "title": f"Titel {evil}",
        "section": evil,
        "page": 3,
        "text": f"Zin {evil}.",
        "quote": f"Zin {evil}.",
        "start": 0,
        "end": len(f"Zin {evil}."),
        "score": 1.0,
    }
    done: dict[str, Any] = {
        "answer": f"Antwoord {evil} [1].",
        "refused": False,
        "language": "nl",
        "citations": [citation],
        "related": [],
        "conversation_id": "c1",
        "standalone_question": "x",
        "mode": "extractive",
        "confidence": 1.0,
    }
    body = "".join(
        f"event: {e}\ndata: {json.dumps(d)}\n\n"
        for e, d in [
            ("start", {"conversation_id": "c1", "language": "nl", "refused": False}),
            ("token", {"text": done["answer"]}),
            ("done", done),
        ]
    )
    passage = {
        "chunk_id": "evil",
        "title": citation["title"],
        "section": evil,
        "page": 3,
        "text": citation["text"],
        "sentences": [],
        "context": {
            "text": f"Voor {evil}. {citation['text']} Na.",
            "passage_start": len(f"Voor {evil}. "),
            "passage_end": len(f"Voor {evil}. ") + len(citation["text"]),
        },
    }
    cors = {"access-control-allow-origin": site["host"].origin}
    page.route(
        "**/api/chat/stream",
        lambda route: route.fulfill(
            status=200, headers=cors | {"content-type": "text/event-stream"}, body=body
        ),
    )
    page.route(
        "**/api/passages/evil", lambda route: route.fulfill(status=200, headers=cors, json=passage)
    )
    page.goto(site["host"].url())
    answer = ask(page, "test")
    answer.locator("button.cite").click()
    page.locator("vraagbaak-chat .viewer mark").wait_for(state="visible")
    assert evil in answer.locator(".answer").inner_text()
    assert evil in page.locator("vraagbaak-chat .viewer mark").inner_text()
    assert shadow(page, "return root.querySelectorAll('img, script').length") == 0
    assert page.evaluate("() => window.__pwned") is None


def test_full_page_chat_uses_the_component(site: dict, page: Any) -> None:
    page.goto(site["api"] + "/")
    answer = ask(page, ANSWERABLE)
    assert answer.locator("button.cite").count() >= 1
    assert page.errors == []
    inline = page.evaluate(
        "() => [...document.scripts].filter(s => !s.src).length"
        " + document.querySelectorAll('[onclick],[onload]').length"
    )
    assert inline == 0
