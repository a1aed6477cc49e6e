"""What was learnt from unchanged files is trusted (``tui.known``): ``list`` and ``export`` of a store whose
documents and shards are unchanged read no document and check no shard again, and say exactly what a full read
says; a changed file (even one that keeps its size and modification time) is read and checked in full."""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import pytest
from conftest import SEEDS, run_python

import tui.library
from tui.document import KnownDocument, load_document
from tui.known import cache_path
from tui.storage import shard_folder

TEXT = "Alpha beta gamma.\n\nThe minister arrived in Pyongyang on Tuesday.\n\nSanctions were discussed at length.\n"
OTHER = "A second text.\n\nIt mentions sanctions twice: sanctions.\n"


@pytest.fixture
def tagged(cli, store_path: Path, write_doc) -> tuple[Path, Path]:
    """Two documents with passages tagged, and the seeds (their metadata from a sidecar file) in a copied folder."""
    first, second = write_doc("first.txt", TEXT), write_doc("second.txt", OTHER)
    seeds = store_path.parent.parent / "seeds"
    shutil.copytree(SEEDS, seeds)
    for path, needle, theme in (
        (first, "minister arrived", "visit"),
        (first, "Sanctions", "sanctions"),
        (second, "sanctions", "sanctions"),
        (sorted(seeds.glob("*.txt"))[0], "Pyongyang", "visit"),
    ):
        assert cli("tag", path, "--match", needle, "--theme", theme, "--store", store_path).code == 0
    return first, second


def outputs(cli, store_path: Path) -> list[str]:
    runs = [
        cli("list", "--format", "json", "--store", store_path),
        cli("list", "--store", store_path),
        cli("export", "--store", store_path),
        cli("export", "--by", "document", "--store", store_path),
        cli("export", "--format", "csv", "--store", store_path),
    ]
    assert all((r.code, r.err) == (0, "") for r in runs), [r.err for r in runs]
    return [r.out for r in runs]


def count_loads(monkeypatch: pytest.MonkeyPatch) -> list[Path]:
    """The documents ``library`` reads in full from now on (a trusted one is not read there)."""
    loaded: list[Path] = []
    real = tui.library.load_document

    def load(path, *args, **kwargs):  # type: ignore[no-untyped-def]
        loaded.append(Path(path))
        return real(path, *args, **kwargs)

    monkeypatch.setattr(tui.library, "load_document", load)
    return loaded


def test_unchanged_documents_are_not_read_and_every_output_is_the_same(
    cli, store_path: Path, tagged, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("MARGINALIA_KNOWN", "off")
    full = outputs(cli, store_path)  # every file read and checked, as before the record existed
    beside = files_beside(store_path)
    monkeypatch.delenv("MARGINALIA_KNOWN")
    loaded = count_loads(monkeypatch)
    assert outputs(cli, store_path) == full  # the first run with the record learns
    assert len(loaded) == 3
    loaded.clear()
    assert outputs(cli, store_path) == full  # later runs trust it: no document read to list or reconcile
    assert loaded == []
    assert "Pyongyang" in full[0] and '"authors": [' in full[0]  # the seed's metadata (from its sidecar) is kept
    record = cache_path(store_path)
    assert record is not None and record.is_file() and record.is_relative_to(Path(os.environ["HOME"]) / ".cache")
    assert files_beside(store_path) == beside  # nothing new beside the store (git may track its folder)


def files_beside(store_path: Path) -> list[str]:
    return sorted(str(p.relative_to(store_path.parent)) for p in store_path.parent.rglob("*"))


def test_a_document_edited_in_place_is_read_again_and_its_annotations_re_anchored_and_flagged(
    cli, store_path: Path, tagged, monkeypatch: pytest.MonkeyPatch
) -> None:
    first, _ = tagged
    outputs(cli, store_path)  # learnt
    before = os.stat(first)
    # the same size and modification time: only the change time (which no one can set) tells it changed
    first.write_text(TEXT.replace("minister arrived", "minister arriv3d"), encoding="utf-8")
    os.utime(first, ns=(before.st_atime_ns, before.st_mtime_ns))
    assert os.stat(first).st_size == before.st_size and os.stat(first).st_mtime_ns == before.st_mtime_ns
    loaded = count_loads(monkeypatch)
    result = cli("list", "--format", "json", "--store", store_path)
    assert result.code == 0 and "re-anchored after edits: 1 fuzzy" in result.err
    assert loaded == [first.resolve()]  # only the edited one is read
    edited = next(a for a in json.loads(result.out) if a["themes"] == ["visit"] and a["document"]["path"] == str(first))
    assert edited["status"] == "fuzzy" and edited["document"]["fingerprint"] == load_document(first).fingerprint


def test_a_shard_changed_after_it_was_validated_is_checked_again(cli, store_path: Path, tagged) -> None:
    outputs(cli, store_path)  # every shard validated and recorded
    shard = next(p for p in shard_folder(store_path).glob("*.json") if "first" in p.name)
    before = os.stat(shard)
    raw = shard.read_bytes()
    damaged = raw.replace(b'"status":"anchored"', b'"status":"anchorex"', 1)
    assert damaged != raw and len(damaged) == len(raw)
    shard.write_bytes(damaged)
    os.utime(shard, ns=(before.st_atime_ns, before.st_mtime_ns))
    result = cli("list", "--format", "json", "--store", store_path)
    assert result.code == 1 and "is damaged" in result.err and "anchorex" in result.err


def test_the_record_is_only_a_cache(cli, store_path: Path, tagged, monkeypatch: pytest.MonkeyPatch) -> None:
    full = outputs(cli, store_path)
    record = cache_path(store_path)
    assert record is not None
    for garbage in (b"{not json", b"[]", json.dumps({"version": 1, "shards": [], "documents": {"x": 3}}).encode()):
        record.write_bytes(garbage)
        assert outputs(cli, store_path) == full
    facts = json.loads(record.read_bytes())
    for entry in facts["documents"].values():
        entry["fingerprint"] = 7  # a record of the wrong shape is read in full, never trusted
    record.write_bytes(json.dumps(facts).encode())
    assert outputs(cli, store_path) == full
    monkeypatch.setenv("MARGINALIA_KNOWN", "off")
    record.unlink()
    assert outputs(cli, store_path) == full and not record.exists()


def test_a_known_document_reads_its_text_only_when_asked_and_keeps_its_title(write_doc) -> None:
    path = write_doc("doc.txt", TEXT)
    document = load_document(path)
    known = KnownDocument.from_facts(path.resolve(), document.facts())
    assert known is not None and not known.complete
    assert (known.title, known.fingerprint, known.encoding) == (document.title, document.fingerprint, "utf-8")
    assert known.text == document.text and known.complete and known.paragraph_of(30) == document.paragraph_of(30)
    path.write_text("changed meanwhile", encoding="utf-8")
    stale = KnownDocument.from_facts(path.resolve(), document.facts())
    assert stale is not None and stale.text == "" and "changed while it was being read" in stale.problem


def test_a_listing_of_unchanged_documents_imports_no_reader_and_takes_no_lock(cli, store_path: Path, tagged) -> None:
    """``list`` and ``export`` import neither Textual nor pygments nor an extraction library, and a store with
    nothing to re-anchor is read without its lock (filelock is not even imported)."""
    outputs(cli, store_path)
    code = (
        "import sys; from tui.cli import main\n"
        "for args in (['list', '--format', 'json'], ['export'], ['list']):\n"
        "    assert main([*args, '--store', sys.argv[1]]) == 0\n"
        "heavy = [m for m in ('textual', 'pygments', 'filelock', 'pdfminer', 'lxml', 'trafilatura') if m in sys.modules]\n"
        "print('IMPORTED', heavy, file=sys.stderr)\n"
    )
    done = run_python(code, str(store_path), HOME=os.environ["HOME"])
    assert done.returncode == 0, done.stderr.decode()
    assert b"IMPORTED []" in done.stderr
