"""Errors a user can act on. Every message says what went wrong and how to fix it."""

from __future__ import annotations

import shlex
from pathlib import Path

DEFAULT_INDEX_DIR = Path(".vraagbaak") / "index"


class VraagbaakError(Exception):
    """Base class: the message is shown to the user as it is."""


class IndexMissingError(VraagbaakError):
    def __init__(self, index_dir: Path) -> None:
        super().__init__(f"No index at {index_dir} — run `{ingest_command(index_dir)}` first.")


class IndexCorruptError(VraagbaakError):
    def __init__(self, index_dir: Path, reason: str) -> None:
        super().__init__(
            f"The index at {index_dir} cannot be read ({reason}) — "
            f"run `{ingest_command(index_dir, '--rebuild')}` to build it again."
        )


class EmbedderMismatchError(VraagbaakError):
    def __init__(self, index_dir: Path, built_with: str, requested: str) -> None:
        super().__init__(
            f"The index at {index_dir} was built with embedder '{built_with}', but "
            f"'{requested}' is configured. Either set VRAAGBAAK_EMBEDDER={built_with} (or pass "
            f"--embedder {built_with}), or rebuild the index with "
            f"`{ingest_command(index_dir, '--rebuild', '--embedder', requested)}`."
        )


def ingest_command(index_dir: Path, *options: str) -> str:
    """`vraagbaak ingest` for the data dir holding ``index_dir``, quoted to work when pasted."""
    words = ["vraagbaak", "ingest", *options]
    if index_dir != DEFAULT_INDEX_DIR:
        words += ["--data-dir", str(index_dir.parent)]
    return shlex.join(words)


class EmbedderUnavailableError(VraagbaakError):
    def __init__(self, name: str, reason: str) -> None:
        super().__init__(f"Embedder '{name}' cannot be loaded: {reason}")


class DocumentLoadError(VraagbaakError):
    """A single file could not be read; ingest skips it and lists it in the summary."""

    def __init__(self, path: Path | str, reason: str) -> None:
        self.path = Path(path)
        self.reason = reason
        super().__init__(f"{self.path.name}: {reason}")


class CatalogError(VraagbaakError):
    """The corpus catalog file is malformed; the message names the file and line."""

    def __init__(self, path: Path | str, line: int | None, reason: str) -> None:
        self.path = Path(path)
        self.line = line
        self.reason = reason
        where = f"{self.path}, line {line}" if line is not None else str(self.path)
        super().__init__(f"{where}: {reason} — fix the catalog file or remove it.")
