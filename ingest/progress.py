"""How far an ingest has come: documents read, passages made, texts embedded, and the rate.

``ingest(..., counts=IngestProgress(on_change))`` updates it as it goes; ``on_change`` hears
every update (the CLI prints a plain line every few seconds when its output goes to a log).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field


@dataclass
class IngestProgress:
    on_change: Callable[[IngestProgress], None] = field(default=lambda progress: None)
    documents: int = 0
    documents_total: int = 0
    passages: int = 0
    embedded: int = 0
    to_embed: int = 0
    started: float = field(default_factory=time.monotonic)
    embedding_started: float | None = None

    def expect(self, documents: int | None = None, to_embed: int | None = None) -> None:
        if documents is not None:
            self.documents_total = documents
        if to_embed is not None:
            self.to_embed = to_embed
            self.embedding_started = time.monotonic()
        self.on_change(self)

    def add(self, documents: int = 0, passages: int = 0, embedded: int = 0) -> None:
        self.documents += documents
        self.passages += passages
        self.embedded += embedded
        self.on_change(self)

    def line(self) -> str:
        """``documents 5/5, passages 620, embeddings 1024/6200 (85.0/s), 41 s``; the rate is of
        the stage under way (documents while reading, texts while embedding)."""
        now = time.monotonic()
        documents = f"documents {self.documents}/{self.documents_total}"
        if self.embedding_started is None:
            documents += f" ({_rate(self.documents, now - self.started)})"
            embeddings = "embeddings not started"
        else:
            rate = _rate(self.embedded, now - self.embedding_started)
            embeddings = f"embeddings {self.embedded}/{self.to_embed} ({rate})"
        return f"{documents}, passages {self.passages}, {embeddings}, {now - self.started:.0f} s"


def _rate(count: int, seconds: float) -> str:
    return f"{count / seconds:.1f}/s" if seconds > 0 else "–/s"
