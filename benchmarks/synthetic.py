"""A synthetic corpus for scale tests: the seed corpus ×N, varied so that no two copies match.

Passages come straight out of the project's own loader, cleaner and chunker (no model), then
every copy is changed: the sentences of each passage are shuffled (a passage never crosses a
section, so this is shuffling within a section), every number is replaced by another of the
same length, and municipality names are swapped for others. Texts therefore differ, while
vocabulary, lengths and Dutch morphology stay those of the real corpus — what BM25 cares about.

Vectors are not embedded (1M passages would take days on this machine). ``synthetic_vectors``
perturbs the real e5 vectors of the current index (passages and sentences): each synthetic
vector is ``normalise(v_i + 0.5 v_j + noise)`` for two random real vectors, so the set keeps the
clusters and the anisotropy of real e5 vectors, which is what matters for ANN recall. Without
an index on disk it falls back to random unit vectors (the hardest case for HNSW/IVF); the
returned ``source`` says which was used.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent

MUNICIPALITIES = (
    "Utrecht",
    "Arnhem",
    "Overbetuwe",
    "Amersfoort",
    "Nijmegen",
    "Zwolle",
    "Deventer",
    "Apeldoorn",
    "Ede",
    "Zeist",
    "Houten",
    "Nieuwegein",
    "Veenendaal",
    "Tiel",
    "Culemborg",
    "Renkum",
    "Rheden",
    "Lingewaard",
    "Zevenaar",
    "Doesburg",
    "Westervoort",
    "Duiven",
    "Groningen",
    "Leeuwarden",
    "Assen",
    "Emmen",
    "Enschede",
    "Hengelo",
    "Almelo",
    "Breda",
    "Tilburg",
    "Eindhoven",
    "Helmond",
    "Venlo",
    "Roermond",
    "Maastricht",
    "Heerlen",
    "Sittard",
    "Middelburg",
    "Vlissingen",
    "Dordrecht",
    "Gouda",
    "Leiden",
    "Delft",
    "Haarlem",
    "Alkmaar",
    "Hoorn",
    "Purmerend",
    "Zaanstad",
    "Almere",
    "Lelystad",
    "Hilversum",
    "Amstelveen",
)
_MUNICIPALITY = re.compile(r"\b(" + "|".join(MUNICIPALITIES) + r")\b")
_NUMBER = re.compile(r"\d+")


@dataclass(frozen=True)
class SeedPassage:
    section: str
    sentences: tuple[str, ...]


def seed_passages(corpus: Path = ROOT / "corpus") -> list[SeedPassage]:
    """The real corpus cut by the project's chunker, as (section, sentences)."""
    from ingest.index import IndexParams
    from ingest.pipeline import file_sha256, find_files, process_document

    files, _ = find_files([corpus])
    seeds: list[SeedPassage] = []
    for n, path in enumerate(files):
        doc = process_document(path, f"seed{n}", file_sha256(path), None, IndexParams())
        for chunk in doc.chunks:
            sentences = tuple(chunk.text[a:b] for a, b in chunk.sentences) or (chunk.text,)
            seeds.append(SeedPassage(chunk.section, sentences))
    if not seeds:
        raise SystemExit(f"no passages in {corpus}")
    return seeds


def vary_sentences(seed: SeedPassage, rng: np.random.Generator) -> list[str]:
    """One varied copy of a seed passage: shuffled sentences, other numbers and places."""
    order = rng.permutation(len(seed.sentences))
    sentences = [seed.sentences[i] for i in order]

    def number(match: re.Match[str]) -> str:
        digits = len(match.group())
        low = 10 ** (digits - 1) if digits > 1 else 0
        return str(int(rng.integers(low, 10**digits)))

    def place(_: re.Match[str]) -> str:
        return MUNICIPALITIES[int(rng.integers(len(MUNICIPALITIES)))]

    # Numbers first, then places, each in text order: the same draws as on the joined text.
    sentences = [_NUMBER.sub(number, s) for s in sentences]
    return [_MUNICIPALITY.sub(place, s) for s in sentences]


def vary(seed: SeedPassage, rng: np.random.Generator) -> str:
    return " ".join(vary_sentences(seed, rng))


def synthetic_sentences(
    n: int, seeds: list[SeedPassage], seed: int = 0
) -> Iterator[tuple[str, list[str]]]:
    """``n`` varied passages as (section, sentences), lazily: the seed corpus over and over."""
    rng = np.random.default_rng(seed)
    for i in range(n):
        base = seeds[i % len(seeds)]
        if i < len(seeds):  # the first copy is the real corpus itself
            yield base.section, list(base.sentences)
        else:
            section = _MUNICIPALITY.sub(
                lambda _: MUNICIPALITIES[int(rng.integers(len(MUNICIPALITIES)))], base.section
            )
            yield section, vary_sentences(base, rng)


def synthetic_passages(
    n: int, seeds: list[SeedPassage], seed: int = 0
) -> Iterator[tuple[str, str]]:
    """``n`` varied passages as (section, text)."""
    for section, sentences in synthetic_sentences(n, seeds, seed):
        yield section, " ".join(sentences)


def base_vectors(index_dir: Path = ROOT / ".vraagbaak" / "index") -> tuple[np.ndarray, str]:
    """Real passage + sentence vectors of the current index, or ``(empty, reason)``."""
    build = index_dir / "current"
    try:
        vectors = np.vstack(
            [
                np.load(build / "passage_vectors.npy"),
                np.load(build / "sentence_vectors.npy"),
            ]
        ).astype(np.float32)
    except (OSError, ValueError):
        return np.zeros((0, 384), np.float32), "random unit vectors (no index found)"
    return vectors, f"perturbed real e5 vectors ({len(vectors)} passage+sentence vectors)"


def synthetic_vectors(
    n: int,
    dim: int = 384,
    seed: int = 0,
    base: np.ndarray | None = None,
    noise: float = 0.03,
    block: int = 65_536,
) -> np.ndarray:
    """``n`` L2-normalised float32 vectors, built in blocks so memory stays at the output."""
    rng = np.random.default_rng(seed)
    out = np.empty((n, dim), dtype=np.float32)
    for start in range(0, n, block):
        size = min(block, n - start)
        part: np.ndarray
        if base is not None and len(base):
            first = base[rng.integers(len(base), size=size)]
            second = base[rng.integers(len(base), size=size)]
            part = first + 0.5 * second
            part += rng.standard_normal((size, dim), dtype=np.float32) * noise
        else:
            part = rng.standard_normal((size, dim), dtype=np.float32)
        part /= np.linalg.norm(part, axis=1, keepdims=True)
        out[start : start + size] = part
    return out
