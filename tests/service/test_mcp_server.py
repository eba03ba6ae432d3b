"""The MCP server through the official `mcp` client: over streamable HTTP at /mcp on a real
uvicorn server (fake embedder, keys on and off) and over stdio (a subprocess); with the real
model and index, `vraagbaak mcp` lists the four tools and `search` finds the SAVE passage."""

from __future__ import annotations

import json
import os
import sys
import textwrap
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import anyio
import httpx
import httpx2
import pytest
from mcp import Client, StdioServerParameters
from mcp.client.streamable_http import streamable_http_client
from mcp.types import CallToolResult

from ingest.embedders import Embedder
from service.engine import Engine
from service.security.keys import KeyStore
from tests.fakes import HashingEmbedder
from tests.service.test_openai_compat import serve
from vraagbaak.settings import Settings

ROOT = Path(__file__).resolve().parents[2]
TOOLS = {"search", "ask", "get_passage", "list_documents"}
SAVE_QUOTE = "SAVE MN was regiehouder als zij al bij aanvang van het traject betrokken waren"


@pytest.fixture
def base_url(small_settings: Settings) -> Iterator[str]:
    yield from serve(small_settings, Engine.load(small_settings, embedder=HashingEmbedder()))


def http_client(url: str, key: str | None = None) -> Client:
    headers = {"Authorization": f"Bearer {key}"} if key else {}
    return Client(streamable_http_client(url, http_client=httpx2.AsyncClient(headers=headers)))


def structured(result: CallToolResult) -> dict[str, Any]:
    assert not result.is_error, result.content
    assert result.structured_content is not None
    return result.structured_content


async def exercise(client: Client) -> dict[str, Any]:
    """Every tool once; what each returned."""
    async with client:
        tools = {tool.name for tool in (await client.list_tools()).tools}
        found = structured(await client.call_tool("search", {"query": "regiehouder SAVE", "k": 2}))
        passages = found["passages"]
        passage = structured(
            await client.call_tool("get_passage", {"chunk_id": passages[0]["chunk_id"]})
        )
        answer = structured(
            await client.call_tool("ask", {"question": "Wie is regiehouder als SAVE betrokken is?"})
        )
        documents = structured(await client.call_tool("list_documents", {}))
        missing = await client.call_tool("get_passage", {"chunk_id": "nope"})
        too_many = await client.call_tool("search", {"query": "regie", "k": 500})
    return {
        "tools": tools,
        "passages": passages,
        "passage": passage,
        "answer": answer,
        "documents": documents["documents"],
        "missing": missing,
        "too_many": too_many,
    }


def check(seen: dict[str, Any]) -> None:
    assert seen["tools"] == TOOLS
    passages = seen["passages"]
    assert len(passages) == 2 and "SAVE" in passages[0]["text"]
    assert {"chunk_id", "source", "title", "section", "page", "start", "end"} <= set(passages[0])
    passage = seen["passage"]
    context = passage["context"]
    assert context["text"][context["passage_start"] : context["passage_end"]] == passage["text"]
    answer = seen["answer"]
    assert answer["refused"] is False and "SAVE" in answer["answer"]
    for citation in answer["citations"]:
        assert citation["text"][citation["start"] : citation["end"]] == citation["quote"]
        assert f"[{citation['n']}]" in answer["answer"]
    assert {d["source"] for d in seen["documents"]} == {"jim.txt", "buurtteams.txt"}
    assert seen["missing"].is_error and "No passage 'nope'" in seen["missing"].content[0].text
    assert seen["too_many"].is_error and "k" in seen["too_many"].content[0].text


def test_the_mcp_client_uses_the_four_tools_over_http(base_url: str) -> None:
    check(anyio.run(exercise, http_client(f"{base_url}/mcp")))


def test_mcp_over_http_needs_a_key_with_scope_ask(small_settings: Settings) -> None:
    settings = small_settings.model_copy(update={"require_api_keys": True})
    store = KeyStore(settings.database_path)
    _, ask_key = store.create("ask", "agent", None)
    engine = Engine.load(settings, embedder=HashingEmbedder())
    for base in serve(settings, engine):
        check(anyio.run(exercise, http_client(f"{base}/mcp", ask_key)))
        initialize = {
            "jsonrpc": "2.0",
            "id": 1,
            "method": "tools/list",
            "params": {},
        }
        headers = {"Accept": "application/json, text/event-stream"}
        missing = httpx.post(f"{base}/mcp", json=initialize, headers=headers, timeout=10)
        assert missing.status_code == 401 and "Authorization: Bearer" in missing.json()["detail"]
        wrong = httpx.post(
            f"{base}/mcp",
            json=initialize,
            headers=headers | {"Authorization": "Bearer vb_ask_nope_nope"},
            timeout=10,
        )
        assert wrong.status_code == 401 and "Invalid API key" in wrong.json()["detail"]


def test_a_browser_origin_not_allowed_is_refused(base_url: str) -> None:
    response = httpx.post(
        f"{base_url}/mcp",
        json={"jsonrpc": "2.0", "id": 1, "method": "tools/list", "params": {}},
        headers={
            "Accept": "application/json, text/event-stream",
            "Origin": "http://evil.example",
        },
        timeout=10,
    )
    assert response.status_code == 403 and "VRAAGBAAK_CORS_ORIGINS" in response.json()["detail"]


STDIO_SERVER = textwrap.dedent(
    """
    import sys
    from service.engine import Engine
    from service.mcp_server import run_stdio
    from tests.fakes import HashingEmbedder
    from vraagbaak.settings import Settings

    settings = Settings(corpus_dir=sys.argv[1], data_dir=sys.argv[2], embedder="hashing-test")
    run_stdio(settings, Engine.load(settings, embedder=HashingEmbedder()))
    """
)


def test_the_mcp_client_uses_the_four_tools_over_stdio(small_settings: Settings) -> None:
    parameters = StdioServerParameters(
        command=sys.executable,
        args=["-c", STDIO_SERVER, str(small_settings.corpus_dir), str(small_settings.data_dir)],
        cwd=ROOT,
        env={"PYTHONPATH": str(ROOT)},
    )
    check(anyio.run(exercise, Client(parameters)))


@pytest.mark.integration
def test_vraagbaak_mcp_finds_the_save_passage(
    real_index_settings: Settings, real_embedder: Embedder
) -> None:
    parameters = StdioServerParameters(
        command=str(Path(sys.executable).with_name("vraagbaak")),
        args=[
            "mcp",
            "--data-dir",
            str(real_index_settings.data_dir),
            "--corpus",
            str(ROOT / "corpus"),
        ],
        cwd=ROOT,
        env={k: v for k, v in os.environ.items() if k.startswith("VRAAGBAAK_")},
    )

    async def run() -> tuple[set[str], list[dict[str, Any]]]:
        async with Client(parameters, read_timeout_seconds=120) as client:
            tools = {tool.name for tool in (await client.list_tools()).tools}
            found = structured(
                await client.call_tool(
                    "search", {"query": "wie heeft de regie als SAVE betrokken is?", "k": 3}
                )
            )
        return tools, found["passages"]

    tools, passages = anyio.run(run)
    assert tools == TOOLS
    assert any(SAVE_QUOTE in " ".join(p["text"].split()) for p in passages), json.dumps(
        passages, ensure_ascii=False
    )[:2000]


@pytest.mark.integration
def test_mcp_over_http_finds_the_save_passage(
    real_index_settings: Settings, real_embedder: Embedder
) -> None:
    engine = Engine.load(real_index_settings, embedder=real_embedder)
    for base in serve(real_index_settings, engine):

        async def run(url: str) -> tuple[set[str], list[dict[str, Any]]]:
            async with http_client(url) as client:
                tools = {tool.name for tool in (await client.list_tools()).tools}
                found = structured(
                    await client.call_tool(
                        "search", {"query": "wie heeft de regie als SAVE betrokken is?", "k": 3}
                    )
                )
            return tools, found["passages"]

        tools, passages = anyio.run(run, f"{base}/mcp")
        assert tools == TOOLS
        assert any(SAVE_QUOTE in " ".join(p["text"].split()) for p in passages)
