"""Incremental ingest, bad files, crash safety and embedder mismatch — with the fake embedder."""

from __future__ import annotations

import json
import os
import re
from pathlib import Path

import pytest

from ingest import index as index_module
from ingest.index import HEADINGS_VERSION, current_build, load_index
from ingest.pipeline import ingest
from tests.fakes import HashingEmbedder
from vraagbaak.errors import EmbedderMismatchError, IndexMissingError, VraagbaakError


def _sources(index_dir: Path) -> set[str]:
    return {d.source for d in load_index(index_dir).documents.values()}


def test_ingest_builds_an_index_with_provenance(
    small_corpus: Path, tmp_path: Path, fake_embedder: HashingEmbedder
) -> None:
    index_dir = tmp_path / "index"
    report = ingest([small_corpus], index_dir, fake_embedder)
    assert sorted(report.indexed) == ["buurtteams.txt", "jim.txt"]
    index = load_index(index_dir, fake_embedder.name)
    assert report.passages == len(index.chunks) > 0
    for chunk in index.chunks:
        assert index.clean_texts[chunk.doc_id][chunk.start : chunk.end] == chunk.text
    assert index.passage_vectors.shape == (len(index.chunks), fake_embedder.dimension)
    assert index.sentence_vectors.shape[0] == sum(len(c.sentences) for c in index.chunks)
    assert index.manifest.documents.keys() == {"jim.txt", "buurtteams.txt"}


def test_reingest_without_changes_embeds_nothing(small_corpus: Path, tmp_path: Path) -> None:
    embedder = CountingEmbedder()
    ingest([small_corpus], tmp_path / "index", embedder)
    first_build = current_build(tmp_path / "index")
    embedded = embedder.count
    report = ingest([small_corpus], tmp_path / "index", embedder)
    assert not report.changed
    assert embedder.count == embedded
    assert current_build(tmp_path / "index") == first_build


def test_an_index_from_older_heading_rules_is_reprocessed(
    small_corpus: Path, tmp_path: Path, fake_embedder: HashingEmbedder
) -> None:
    ingest([small_corpus], tmp_path / "index", fake_embedder)
    manifest_path = current_build(tmp_path / "index") / "manifest.json"  # type: ignore[operator]
    manifest = json.loads(manifest_path.read_text("utf-8"))
    del manifest["params"]["headings"]  # as written before the field existed
    manifest_path.write_text(json.dumps(manifest), "utf-8")
    assert load_index(tmp_path / "index").manifest.params.headings == 1

    report = ingest([small_corpus], tmp_path / "index", fake_embedder)

    assert sorted(report.indexed) == ["buurtteams.txt", "jim.txt"]
    assert load_index(tmp_path / "index").manifest.params.headings == HEADINGS_VERSION


def test_added_changed_and_removed_files_are_found(
    small_corpus: Path, tmp_path: Path, fake_embedder: HashingEmbedder
) -> None:
    index_dir = tmp_path / "index"
    ingest([small_corpus], index_dir, fake_embedder)

    (small_corpus / "nieuw.md").write_text(
        "# Nieuw protocol\n\nDe wijkcoach belt binnen drie dagen terug.\n", encoding="utf-8"
    )
    report = ingest([small_corpus], index_dir, fake_embedder)
    assert report.indexed == ["nieuw.md"] and sorted(report.unchanged) == [
        "buurtteams.txt",
        "jim.txt",
    ]

    path = small_corpus / "buurtteams.txt"
    path.write_text(path.read_text("utf-8").replace("4.210", "5.000"), encoding="utf-8")
    report = ingest([small_corpus], index_dir, fake_embedder)
    assert report.indexed == ["buurtteams.txt"]
    index = load_index(index_dir)
    texts = " ".join(c.text for c in index.chunks)
    assert "5.000" in texts and "4.210" not in texts

    (small_corpus / "jim.txt").unlink()
    report = ingest([small_corpus], index_dir, fake_embedder)
    assert report.removed == ["jim.txt"]
    index = load_index(index_dir)
    assert _sources(index_dir) == {"buurtteams.txt", "nieuw.md"}
    assert all("JIM" not in c.text for c in index.chunks)
    assert index.lexical.size == len(index.chunks)


def test_a_broken_file_is_skipped_and_the_rest_indexed(
    small_corpus: Path, tmp_path: Path, fake_embedder: HashingEmbedder
) -> None:
    (small_corpus / "kapot.pdf").write_bytes(b"%PDF-1.4 this is not really a pdf")
    (small_corpus / "latin1.txt").write_bytes("Caf\xe9 in de wijk".encode("latin-1"))
    (small_corpus / "leeg.txt").write_bytes(b"")
    report = ingest([small_corpus], tmp_path / "index", fake_embedder)
    skipped = dict(report.skipped)
    assert set(skipped) == {"kapot.pdf", "latin1.txt", "leeg.txt"}
    assert "UTF-8" in skipped["latin1.txt"]
    assert sorted(report.indexed) == ["buurtteams.txt", "jim.txt"]


def test_nothing_readable_is_an_error_naming_the_files(
    tmp_path: Path, fake_embedder: HashingEmbedder
) -> None:
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "leeg.txt").write_bytes(b"")
    with pytest.raises(VraagbaakError, match=r"leeg\.txt"):
        ingest([corpus], tmp_path / "index", fake_embedder)


def test_a_crash_mid_write_leaves_the_previous_index_usable(
    small_corpus: Path,
    tmp_path: Path,
    fake_embedder: HashingEmbedder,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    index_dir = tmp_path / "index"
    ingest([small_corpus], index_dir, fake_embedder)
    before = current_build(index_dir)
    (small_corpus / "jim.txt").write_text(
        "Een heel ander document over wachtlijsten.\n", encoding="utf-8"
    )

    def crash(*args: object, **kwargs: object) -> None:
        raise OSError("disk full")

    monkeypatch.setattr(index_module.faiss, "write_index", crash)
    with pytest.raises(OSError):
        ingest([small_corpus], index_dir, fake_embedder)
    monkeypatch.undo()

    assert current_build(index_dir) == before
    index = load_index(index_dir)
    assert any("SAVE" in c.text for c in index.chunks)  # the old content still serves
    # and the next ingest completes normally
    ingest([small_corpus], index_dir, fake_embedder)
    assert all("SAVE" not in c.text for c in load_index(index_dir).chunks)


def test_a_killed_ingest_leaves_no_half_index_behind(
    small_corpus: Path, tmp_path: Path, fake_embedder: HashingEmbedder
) -> None:
    index_dir = tmp_path / "index"
    ingest([small_corpus], index_dir, fake_embedder)
    builds = index_dir / "builds"
    partial = builds / ".20990101-000000-abcdef.partial"
    partial.mkdir()
    (partial / "chunks.jsonl").write_text("{broken", encoding="utf-8")
    index = load_index(index_dir)
    assert index.path.name != partial.name and index.chunks


def test_loading_refuses_an_index_from_another_embedder(small_settings) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(EmbedderMismatchError) as error:
        load_index(small_settings.index_dir, "e5-small-q4")
    message = str(error.value)
    assert "hashing-test" in message and "--rebuild" in message


def test_missing_index_says_to_run_ingest(tmp_path: Path) -> None:
    with pytest.raises(IndexMissingError, match="vraagbaak ingest"):
        load_index(tmp_path / "nothing")


def test_old_builds_are_pruned(
    small_corpus: Path, tmp_path: Path, fake_embedder: HashingEmbedder
) -> None:
    index_dir = tmp_path / "index"
    for n in range(4):
        (small_corpus / "extra.txt").write_text(f"Versie {n} van het protocol.\n", "utf-8")
        ingest([small_corpus], index_dir, fake_embedder)
    finished = [p for p in os.listdir(index_dir / "builds") if not p.startswith(".")]
    assert len(finished) == index_module.KEEP_BUILDS


class CountingEmbedder(HashingEmbedder):
    def __init__(self) -> None:
        super().__init__()
        self.count = 0

    def embed_batch(self, texts, kind):  # type: ignore[no-untyped-def]
        self.count += len(texts)
        return super().embed_batch(texts, kind)


# --- hostile files and a hostile disk (issue 18: F6, F7, F8) -------------------------------


def _docx_inflating_to(path: Path, inflated_bytes: int) -> Path:
    """A real .docx whose document.xml inflates to ``inflated_bytes``; small on disk."""
    import zipfile

    import docx

    plain = path.with_name("plain.docx.tmp")
    document = docx.Document()
    document.add_paragraph("Een gewone alinea over regie.")
    document.save(str(plain))
    chunk = b"a" * 1_000_000
    with (
        zipfile.ZipFile(plain) as source,
        zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as target,
    ):
        for item in source.infolist():
            if item.filename != "word/document.xml":
                target.writestr(item, source.read(item.filename))
                continue
            head = b'<?xml version="1.0"?><w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"><w:body><w:p><w:r><w:t>'
            tail = b"</w:t></w:r></w:p></w:body></w:document>"
            with target.open(item.filename, "w", force_zip64=True) as member:
                member.write(head)
                for _ in range(max(0, inflated_bytes - len(head) - len(tail)) // len(chunk)):
                    member.write(chunk)
                member.write(tail)
    plain.unlink()
    return path


def test_docx_decompression_bombs_are_skipped_with_name_and_reason(
    small_corpus: Path, tmp_path: Path, fake_embedder: HashingEmbedder
) -> None:
    huge = _docx_inflating_to(small_corpus / "bom-groot.docx", 110_000_000)
    dense = _docx_inflating_to(small_corpus / "bom-klein.docx", 20_000_000)
    assert huge.stat().st_size < 400_000 and dense.stat().st_size < 100_000
    report = ingest([small_corpus], tmp_path / "index", fake_embedder)
    skipped = dict(report.skipped)
    assert re.search(
        r"'word/document\.xml' inside it inflates to 1\d\d MB, more than 100 MB",
        skipped["bom-groot.docx"],
    )
    assert "decompression bomb" in skipped["bom-klein.docx"]
    assert "×" in skipped["bom-klein.docx"]
    assert sorted(report.indexed) == ["buurtteams.txt", "jim.txt"]


def test_a_document_over_the_character_or_page_cap_is_skipped(
    small_corpus: Path, tmp_path: Path, fake_embedder: HashingEmbedder, monkeypatch
) -> None:  # type: ignore[no-untyped-def]
    from ingest import limits

    monkeypatch.setattr(limits, "MAX_DOCUMENT_CHARS", 5_000)
    (small_corpus / "lang.txt").write_text("regie " * 2_000, encoding="utf-8")
    report = ingest([small_corpus], tmp_path / "index", fake_embedder)
    assert "12,000 characters of text, more than 5,000" in dict(report.skipped)["lang.txt"]
    monkeypatch.setattr(limits, "MAX_FILE_BYTES", 5_000)
    report = ingest([small_corpus], tmp_path / "index2", fake_embedder)
    assert "file is 12 KB, larger than 5 KB" in dict(report.skipped)["lang.txt"]


def test_links_out_of_the_corpus_are_skipped_and_named(
    small_corpus: Path, tmp_path: Path, fake_embedder: HashingEmbedder
) -> None:
    outside = tmp_path / "geheim"
    outside.mkdir()
    (outside / "dossier.txt").write_text("Vertrouwelijk dossier over Zwartkop.", encoding="utf-8")
    (small_corpus / "dossier.txt").symlink_to(outside / "dossier.txt")
    (small_corpus / "map").symlink_to(outside, target_is_directory=True)
    (small_corpus / "weg.txt").symlink_to(tmp_path / "bestaat-niet.txt")
    (small_corpus / "binnen.txt").symlink_to(small_corpus / "jim.txt")  # inside: allowed
    report = ingest([small_corpus], tmp_path / "index", fake_embedder)
    skipped = dict(report.skipped)
    assert "links to a file outside" in skipped["dossier.txt"]
    assert "links to a folder outside" in skipped["map"]
    assert "broken link" in skipped["weg.txt"]
    assert "binnen.txt" in report.indexed
    index = load_index(tmp_path / "index")
    assert all("Zwartkop" not in text for text in index.clean_texts.values())


def test_a_full_disk_leaves_no_partial_build_and_one_clear_message(
    small_corpus: Path, tmp_path: Path, fake_embedder: HashingEmbedder, monkeypatch
) -> None:  # type: ignore[no-untyped-def]
    import errno

    index_dir = tmp_path / "index"
    ingest([small_corpus], index_dir, fake_embedder)
    before = current_build(index_dir)
    (small_corpus / "nieuw.txt").write_text("Een nieuw verslag over regie.", encoding="utf-8")

    def disk_full(*args: object, **kwargs: object) -> None:
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(index_module.np, "save", disk_full)
    with pytest.raises(VraagbaakError, match="Not enough disk space") as error:
        ingest([small_corpus], index_dir, fake_embedder)
    assert "previous index keeps serving" in str(error.value)
    assert not list((index_dir / "builds").glob(".*partial*"))
    assert current_build(index_dir) == before and load_index(index_dir).chunks
    monkeypatch.undo()
    ingest([small_corpus], index_dir, fake_embedder)
    assert current_build(index_dir) != before


def test_too_little_free_space_is_refused_before_writing(
    small_corpus: Path, tmp_path: Path, fake_embedder: HashingEmbedder, monkeypatch
) -> None:  # type: ignore[no-untyped-def]
    import shutil

    index_dir = tmp_path / "index"
    ingest([small_corpus], index_dir, fake_embedder)
    (small_corpus / "nieuw.txt").write_text("Een nieuw verslag over regie.", encoding="utf-8")
    usage = shutil.disk_usage(tmp_path)._replace(free=1_000_000)
    monkeypatch.setattr(index_module.shutil, "disk_usage", lambda path: usage)
    with pytest.raises(VraagbaakError, match=r"it needs about [\d,]+ MB, 1 MB are free"):
        ingest([small_corpus], index_dir, fake_embedder)
    assert not list((index_dir / "builds").glob(".*partial*"))


def test_an_abandoned_partial_build_is_removed_at_the_next_start_but_a_live_one_kept(
    small_corpus: Path, tmp_path: Path, fake_embedder: HashingEmbedder
) -> None:
    import fcntl

    index_dir = tmp_path / "index"
    ingest([small_corpus], index_dir, fake_embedder)
    builds = index_dir / "builds"
    abandoned = builds / ".20990101-000000-abcdef.partial"
    abandoned.mkdir()
    (abandoned / "passage_vectors.npy").write_bytes(b"x" * 1000)
    live = builds / ".20990101-000001-abcdef.partial"
    live.mkdir()
    with (builds / f"{live.name}.lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # as an ingest that is writing it holds it
        report = ingest([small_corpus], index_dir, fake_embedder)  # nothing changed
    assert not report.changed
    assert not abandoned.exists() and live.exists()
