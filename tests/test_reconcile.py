"""Documents that change, move or are renamed keep their annotations (``tui.library.reconcile``, ``relink``,
``reattach``, the ``relink`` command, and the re-anchoring benchmark on a tiny size)."""

from __future__ import annotations

import importlib.util
import json
import shutil
from dataclasses import replace
from pathlib import Path

import pytest
from conftest import ASMOLOV, read_store
from test_store import writes  # noqa: F401 (a fixture: every store write)

from tui.anchoring import MIN_SCORE
from tui.document import load_document
from tui.library import load_annotated_documents, orphans, reattach, reconcile, relink
from tui.model import new_annotation
from tui.storage import shard_name
from tui.store import ConflictError, NotFound, Store

TEXT = (
    "Russia's defence minister visited Pyongyang in July.\n\n"
    "Sanctions against North Korea were discussed at length, and China watched closely.\n\n"
    "Observers noted that sanctions had not stopped the trade. Later, sanctions were debated in New York.\n"
)


def tag(store: Store, path: Path, *needles: str) -> list[str]:
    """Annotate every occurrence of each needle; returns the ids in text order."""
    document = load_document(path)
    made = []
    for needle in needles:
        start = document.text.find(needle)
        while start != -1:
            made.append(new_annotation(document, start, start + len(needle), [needle.split()[0]]))
            start = document.text.find(needle, start + 1)
    store.add_many(made)
    return [a.id for a in sorted(made, key=lambda a: a.start)]


def by_quote(store: Store) -> dict[str, list[tuple[int, int, str]]]:
    found: dict[str, list[tuple[int, int, str]]] = {}
    for a in store.annotations():
        found.setdefault(a.quote, []).append((a.start, a.end, a.status))
    return found


# -- edited files ---------------------------------------------------------------------------------------------------
def test_an_edited_file_is_reanchored_and_saved_in_one_write(store: Store, write_doc, writes: list[Path]) -> None:
    path = write_doc("article.txt", TEXT)
    tag(store, path, "Pyongyang", "Sanctions against North Korea", "sanctions", "China")
    edited = "Update: " + TEXT.replace("North Korea", "N. Korea").replace(" and China watched closely", "")
    path.write_text(edited, encoding="utf-8")
    document = load_document(path)
    writes.clear()
    report = reconcile(store, [document])
    # one write of the document's shard (and the codebook, first, for the new text's path: only an addition)
    assert [w for w in writes if w != {"annotations.json"}] == [{shard_name(str(path))}]
    assert report.statuses == {"moved": 3, "fuzzy": 1, "orphan": 1}
    assert (report.relinked, report.conflicts, report.missing) == (0, 0, [])
    pyongyang, sanctions, later = (
        edited.index("Pyongyang"),
        edited.index("sanctions had"),
        edited.index("sanctions were"),
    )
    assert by_quote(store) == {
        "Pyongyang": [(pyongyang, pyongyang + 9, "moved")],
        "Sanctions against North Korea": [(edited.index("Sanctions"), edited.index(" were"), "fuzzy")],
        "sanctions": [(sanctions, sanctions + 9, "moved"), (later, later + 9, "moved")],
        "China": [(TEXT.index("China"), TEXT.index("China") + 5, "orphan")],
    }
    for a in store.annotations():
        assert a.document.fingerprint == document.fingerprint and a.document.title == document.title
        assert (a.score is not None) == (a.status == "fuzzy") or (a.status == "moved" and a.score < 1)
        if a.status in ("anchored", "moved"):
            assert edited[a.start : a.end] == a.quote and a.prefix == edited[max(0, a.start - 32) : a.start]
    fuzzy = next(a for a in store.annotations() if a.status == "fuzzy")
    assert fuzzy.score >= MIN_SCORE and fuzzy.rev == 2
    assert [a.quote for a in orphans(store, document)] == ["China"]

    writes.clear()
    again = reconcile(store, [load_document(path)])  # the same text again: nothing to do, nothing written
    assert (again.saved, again.summary(), writes) == ([], "", [])


def test_an_unchanged_document_costs_no_write(store: Store, write_doc, writes: list[Path]) -> None:
    path = write_doc("article.txt", TEXT)
    tag(store, path, "China")
    writes.clear()
    assert reconcile(store, [load_document(path)]).summary() == ""
    assert writes == []


def test_reanchoring_keeps_themes_and_notes_changed_meanwhile(store: Store, write_doc) -> None:
    path = write_doc("article.txt", TEXT)
    (china,) = tag(store, path, "China")
    seen = store.annotations()
    store.update(china, note="changed in another window", themes=["China's role"])
    path.write_text("New first line.\n" + TEXT, encoding="utf-8")
    report = reconcile(store, [load_document(path)])
    (a,) = store.annotations()
    assert (a.status, a.start, a.note, a.themes, a.rev) == (
        "moved",
        seen[0].start + 16,
        "changed in another window",
        ["China's role"],
        3,
    )
    assert report.statuses == {"moved": 1}


def test_an_annotation_reanchored_elsewhere_meanwhile_is_left_alone(store: Store, write_doc) -> None:
    path = write_doc("article.txt", TEXT)
    tag(store, path, "China")
    (seen,) = store.annotations()
    document = load_document(path)
    reattach(store, seen, document, 0, 6)  # another process re-attached it meanwhile
    stale = seen
    new = replace(stale, start=1, end=7, quote="ussia'")
    assert store.reanchor([(stale, new)]) == []
    with pytest.raises(ConflictError):
        store.reanchor([(stale, new)], strict=True)
    (a,) = store.annotations()
    assert (a.start, a.end, a.quote) == (0, 6, "Russia")


# -- moved and renamed files ----------------------------------------------------------------------------------------
def test_a_moved_file_keeps_its_annotations(store: Store, write_doc, tmp_path: Path) -> None:
    old = write_doc("article.txt", TEXT)
    ids = tag(store, old, "sanctions")
    before = store.annotations()
    new = tmp_path / "elsewhere" / "renamed.txt"
    new.parent.mkdir()
    old.rename(new)
    report = reconcile(store, [load_document(new)])
    after = store.annotations()
    assert [a.id for a in after] == ids and report.relinked == 2 and not report.statuses
    assert {a.document.path for a in after} == {str(new.resolve())}
    assert [(a.start, a.end, a.status, a.quote) for a in after] == [(a.start, a.end, a.status, a.quote) for a in before]


def test_a_text_is_one_document_wherever_it_lies(store: Store, write_doc) -> None:
    """Two copies of one text tagged apart (as a store made before schema 3 can hold them) become one document,
    under the path most of its annotations use; the other copy shows the same annotations; every path is kept."""
    original = write_doc("article.txt", TEXT)
    copy = write_doc("copy/article.txt", TEXT)
    tag(store, original, "China")
    tag(store, original, "Pyongyang")
    tag(store, copy, "sanctions")
    documents = [load_document(copy), load_document(original)]
    report = reconcile(store, documents)
    assert len(report.saved) == report.relinked == TEXT.count("sanctions") == 2
    assert {a.document.path for a in store.annotations()} == {str(original)}
    assert [d.key for d in documents] == [str(original)] * 2  # the copy's pane shows them, new ones join them
    assert store.paths_seen() == {documents[0].fingerprint: sorted([str(original), str(copy)])}
    assert reconcile(store, [load_document(copy)]).saved == []  # nothing more to do


def test_an_edited_file_keeps_its_annotations_while_an_unedited_copy_exists(store: Store, write_doc) -> None:
    original = write_doc("article.txt", TEXT)
    backup = write_doc("backup/article.txt", TEXT)
    tag(store, original, "China")
    original.write_text("Edited.\n" + TEXT, encoding="utf-8")
    reconcile(store, [load_document(backup), load_document(original)])
    (a,) = store.annotations()
    assert (a.document.path, a.status, a.start) == (str(original.resolve()), "moved", TEXT.index("China") + 8)


def test_a_vanished_file_follows_the_copy_with_its_name(store: Store, write_doc) -> None:
    old = write_doc("a/article.txt", TEXT)
    tag(store, old, "China")
    other = write_doc("b/other-name.txt", TEXT)
    same_name = write_doc("c/article.txt", TEXT)
    old.unlink()
    reconcile(store, [load_document(other), load_document(same_name)])
    assert [a.document.path for a in store.annotations()] == [str(same_name.resolve())]


def test_a_file_both_moved_and_edited_is_found_by_its_content(store: Store, write_doc) -> None:
    old = write_doc("article.txt", TEXT)
    tag(store, old, "China")
    new = write_doc("moved.txt", "Edited. " + TEXT)
    old.unlink()
    report = reconcile(store, [load_document(new)])
    assert report.missing == [] and [(o, n) for o, n, _ in report.found] == [(str(old.resolve()), str(new.resolve()))]
    (a,) = store.annotations()
    assert (a.document.path, a.status, a.start) == (str(new.resolve()), "moved", TEXT.index("China") + 8)
    assert "found by its content" in report.summary()


def test_a_file_moved_and_edited_past_recognition_is_reported_missing(store: Store, write_doc) -> None:
    old = write_doc("article.txt", TEXT)
    tag(store, old, "China")
    new = write_doc("moved.txt", "Edited. " + TEXT.replace("China", "Beijing"))
    old.unlink()
    report = reconcile(store, [load_document(new)])
    assert report.saved == [] and report.found == [] and report.missing == [str(old.resolve())]
    assert "relink" in report.summary()


def test_load_annotated_documents_reconciles_what_it_loads(store: Store, write_doc) -> None:
    path = write_doc("article.txt", TEXT)
    tag(store, path, "Pyongyang")
    path.write_text("Intro.\n" + TEXT, encoding="utf-8")
    documents = load_annotated_documents(store)
    assert list(documents) == [str(path.resolve())]
    (a,) = store.annotations()
    assert (a.status, a.start, a.document.fingerprint) == (
        "moved",
        TEXT.index("Pyongyang") + 7,
        documents[a.document.path].fingerprint,
    )


# -- relink and reattach ----------------------------------------------------------------------------------------------
def test_relink_points_annotations_at_a_new_path_and_reanchors_them(
    store: Store, write_doc, writes: list[Path]
) -> None:
    old = write_doc("article.txt", TEXT)
    tag(store, old, "China", "Pyongyang")
    new = write_doc("draft-2.txt", TEXT.replace("Pyongyang", "the capital"))
    writes.clear()
    report = relink(store, old, new)
    assert len(writes) == 1 and report.relinked == 2 and report.statuses == {"moved": 1, "orphan": 1}
    china = new.read_text().index("China")
    assert {a.quote: (a.document.path, a.status, a.start) for a in store.annotations()} == {
        "China": (str(new.resolve()), "moved", china),
        "Pyongyang": (str(new.resolve()), "orphan", TEXT.index("Pyongyang")),
    }


def test_relink_a_folder_and_its_errors(store: Store, write_doc, tmp_path: Path) -> None:
    one = write_doc("folder/one.txt", TEXT)
    two = write_doc("folder/sub/two.txt", "Second. " + TEXT)
    tag(store, one, "China")
    tag(store, two, "China")
    shutil.move(one.parent, tmp_path / "moved")
    report = relink(store, one.parent, tmp_path / "moved")
    assert report.relinked == 2
    assert sorted(Path(a.document.path).relative_to(tmp_path.resolve()).as_posix() for a in store.annotations()) == [
        "moved/one.txt",
        "moved/sub/two.txt",
    ]
    with pytest.raises(NotFound, match="no annotations point at"):
        relink(store, one.parent, tmp_path / "moved")


def test_reattach_an_orphan_and_accept_a_fuzzy_match(store: Store, write_doc) -> None:
    path = write_doc("article.txt", TEXT)
    tag(store, path, "China", "Sanctions against North Korea")
    path.write_text(TEXT.replace("China", "Beijing").replace("North Korea", "N. Korea"), encoding="utf-8")
    document = load_document(path)
    reconcile(store, [document])
    fuzzy, orphan = sorted(store.annotations(), key=lambda a: a.status)
    assert (fuzzy.status, orphan.status) == ("fuzzy", "orphan")
    start = document.text.index("Beijing")
    fixed = reattach(store, orphan, document, start, start + 7)
    accepted = reattach(store, fuzzy, document, fuzzy.start, fuzzy.end)
    assert (fixed.quote, fixed.status, fixed.score, fixed.rev) == ("Beijing", "anchored", None, orphan.rev + 1)
    assert (accepted.quote, accepted.status) == ("Sanctions against N. Korea", "anchored")
    assert {a.id: (a.quote, a.status) for a in store.annotations()} == {
        fixed.id: ("Beijing", "anchored"),
        accepted.id: ("Sanctions against N. Korea", "anchored"),
    }
    assert "score" not in read_store(store.path)["annotations"]["1"]
    with pytest.raises(ConflictError):
        reattach(store, orphan, document, 0, 6)  # the orphan as it was: it has been re-attached since


# -- the command line -----------------------------------------------------------------------------------------------
def test_list_reanchors_and_shows_statuses(cli, write_doc, tmp_path: Path) -> None:
    path = write_doc("asmolov.txt", ASMOLOV.read_bytes())
    store = tmp_path / "s.json"
    assert cli("tag", path, "--match", "sanctions", "--theme", "sanctions", "--store", store).code == 0
    text = path.read_text(encoding="utf-8")
    first = text.index("sanctions")
    second = text.index("sanctions", first + 1)
    edited = text[:first] + "sanktions" + text[first + 9 : second] + "measures" + text[second + 9 :]
    path.write_text("A new first line.\n" + edited, encoding="utf-8")
    result = cli("list", "--format", "json", "--store", store)
    assert result.code == 0
    rows = json.loads(result.out)
    assert [r["status"] for r in rows[:3]] == ["fuzzy", "orphan", "moved"]
    assert [("score" in r) for r in rows[:3]] == [True, False, False] and rows[0]["score"] >= MIN_SCORE
    assert rows[0]["start"] == first + 18 and rows[2]["start"] == edited.index("sanctions") + 18
    assert "re-anchored after edits:" in result.err and "1 fuzzy" in result.err and "1 orphan" in result.err
    table = cli("list", "--store", store)
    assert "[fuzzy 0." in table.out and "[orphan]" in table.out and table.err == ""


def test_tag_after_an_edit_merges_with_the_moved_highlights(cli, write_doc, tmp_path: Path) -> None:
    path = write_doc("article.txt", TEXT)
    store = tmp_path / "s.json"
    cli("tag", path, "--match", "China", "--theme", "one", "--store", store)
    path.write_text("Intro.\n" + TEXT, encoding="utf-8")
    result = cli("tag", path, "--match", "China", "--theme", "two", "--store", store)
    assert result.code == 0 and "(1 already there)" in result.out
    (row,) = json.loads(cli("list", "--format", "json", "--store", store).out)
    assert (row["themes"], row["status"], row["start"]) == (["one", "two"], "moved", TEXT.index("China") + 7)


def test_relink_command(cli, write_doc, tmp_path: Path) -> None:
    old = write_doc("article.txt", TEXT)
    store = tmp_path / "s.json"
    cli("tag", old, "--match", "sanctions", "--theme", "s", "--store", store)
    new = tmp_path / "renamed.txt"
    old.rename(new)
    listed = cli("list", "--store", store)
    assert "1 annotated file missing" in listed.err and str(old.resolve()) in listed.err
    result = cli("relink", old, new, "--store", store)
    assert (result.code, result.out.strip(), result.err) == (0, f"relinked 2 annotations to {new}", "")
    rows = json.loads(cli("list", "--format", "json", "--store", store).out)
    assert {r["document"]["path"] for r in rows} == {str(new.resolve())}
    again = cli("relink", old, new, "--store", store)
    assert again.code == 1 and "no annotations point at" in again.err
    assert cli("relink", new, tmp_path / "nowhere.txt", "--store", store).code == 1
    assert cli("relink", "--store", store).code == 2


# -- the benchmark ----------------------------------------------------------------------------------------------------
def test_the_reanchoring_benchmark_runs_on_a_tiny_size() -> None:
    script = Path(__file__).parent / "bench" / "reanchor.py"
    spec = importlib.util.spec_from_file_location("bench_reanchor", script)
    assert spec and spec.loader
    bench = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(bench)
    result = bench.measure(size=30_000, annotations=60, edits=12)
    assert (result["annotations"], result["edits"], result["dropped"], result["wrong"]) == (60, 12, 0, 0)
    assert result["saved"] == 60 and result["touched"] > 0 and result["seconds"] > 0
    assert sum(result["statuses"].values()) == 60
