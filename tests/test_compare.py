"""Compare by theme in the core: the codebook tree, the matrix, co-occurrence, corpus search, the CSV export and
the commands that print them (``matrix``, ``cooccur``, ``search``, ``export --format csv``)."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest
from conftest import ASMOLOV, PROMA, SOURCE_ROOT, annotation, readme_example
from hypothesis import example, given
from hypothesis import strategies as st

from tui.codebook import Codebook, lineage, matches, node_key, subtree_renames
from tui.compare import Source, build_matrix, coded_characters, cooccurrence, group_columns
from tui.corpus import SearchError, compile_pattern, hits
from tui.model import Theme
from tui.reports import EXPORT_COLUMNS, export_csv, guard, unguard, write_csv


def themes(*names: str) -> list[Theme]:
    return [Theme(n, "#77AADD") for n in names]


# -- the codebook ----------------------------------------------------------------------------------------------------
def test_slashes_make_a_tree_with_parents_that_no_annotation_carries() -> None:
    book = Codebook(themes("sanctions/UN", "Sanctions / unilateral", "arms", "a/b/c"))
    assert book.order == ["a", "a/b", "a/b/c", "arms", "sanctions", "sanctions/un", "sanctions/unilateral"]
    assert [(n.label, n.depth, n.theme is None) for n in book][:3] == [("a", 0, True), ("b", 1, True), ("c", 2, False)]
    assert book.nodes["sanctions"].children == ["sanctions/un", "sanctions/unilateral"]
    assert book.subtree("sanctions") == ["sanctions", "sanctions/un", "sanctions/unilateral"]
    assert [n.key for n in book.visible({"sanctions", "a/b"})] == ["a", "a/b", "arms", "sanctions"]
    assert node_key(" Sanctions /  UN ") == "sanctions/un" and lineage("a/b/c") == ("a", "a/b", "a/b/c")


def test_a_parent_matches_its_children_but_not_a_lookalike_prefix() -> None:
    child = annotation(themes=["sanctions/UN"])
    assert matches(child, ["sanctions"]) and matches(child, ["SANCTIONS/un"])
    assert not matches(annotation(themes=["sanctions-lite"]), ["sanctions"])
    assert not matches(child, ["sanctions/unilateral"])


def test_renaming_a_parent_renames_its_subtree() -> None:
    names = ["sanctions", "sanctions/UN", "sanctions/UN/1718", "sanctionsX", "arms"]
    assert subtree_renames(names, "sanctions", "measures") == {
        "sanctions": "measures",
        "sanctions/UN": "measures/UN",
        "sanctions/UN/1718": "measures/UN/1718",
    }
    assert subtree_renames(names, "sanctions/un", "UN") == {"sanctions/UN": "UN", "sanctions/UN/1718": "UN/1718"}


# -- the matrix ---------------------------------------------------------------------------------------------------------
def test_coded_characters_count_overlaps_once_and_orphans_not_at_all() -> None:
    spans = [annotation(0, 10), annotation(5, 15), annotation(20, 25), annotation(21, 22)]
    assert coded_characters(spans) == 20
    orphan = annotation(0, 0)
    orphan.status = "orphan"
    assert coded_characters([orphan]) == 0


def test_matrix_cells_count_passages_characters_and_percent_with_children_in_parents() -> None:
    a = [
        annotation(0, 10, ["sanctions/UN"], "/a"),
        annotation(5, 20, ["sanctions"], "/a"),
        annotation(0, 50, ["arms"], "/b"),
    ]
    sources = [Source("/a", "A", 100), Source("/b", "B", 200), Source("/c", "C", None)]
    matrix = build_matrix(a, themes("sanctions", "sanctions/UN", "arms"), sources)
    assert matrix.codebook.order == ["arms", "sanctions", "sanctions/un"]
    parent = matrix.cell("sanctions", "/a")
    assert (len(parent.passages), parent.characters, parent.percent) == (2, 20, 20.0)
    assert [p.start for p in parent.passages] == [0, 5]  # document order
    assert matrix.cell("sanctions/un", "/a").characters == 10
    assert matrix.cell("arms", "/b").percent == 25.0
    assert matrix.cell("arms", "/c").percent is None  # no text to share
    assert matrix.row_total("sanctions") == 2


def test_columns_group_documents_by_an_attribute() -> None:
    sources = [
        Source("/1", "One", 10, (("author", "Proma"),)),
        Source("/2", "Two", 30, (("author", "Asmolov"),)),
        Source("/3", "Three", 60, (("author", "Asmolov"),)),
        Source("/4", "Four", 5),
    ]
    columns = group_columns(sources, "author")
    assert [(c.label, c.paths) for c in columns] == [
        ("Asmolov", ("/2", "/3")),
        ("Proma", ("/1",)),
        ("(no author)", ("/4",)),
    ]
    a = [annotation(0, 9, ["x"], "/2"), annotation(0, 9, ["x"], "/3")]
    cell = build_matrix(a, themes("x"), sources, "author").cell("x", "Asmolov")
    assert (len(cell.passages), cell.characters, cell.percent) == (2, 18, 20.0)


def test_cooccurrence_counts_double_coding_and_overlap_but_not_a_node_with_its_ancestor() -> None:
    a = [
        annotation(0, 10, ["sanctions", "china"], "/a"),  # both
        annotation(50, 60, ["sanctions/UN"], "/a"),
        annotation(55, 70, ["china"], "/a"),  # overlaps the one above
        annotation(60, 80, ["arms"], "/a"),  # touches it: no overlap
        annotation(55, 70, ["arms"], "/b"),  # another document
    ]
    _, cells = cooccurrence(a, themes("sanctions", "sanctions/UN", "china", "arms"))
    assert {p.start for p in cells[("sanctions", "china")]} == {0, 50, 55}
    assert cells[("china", "sanctions")] == cells[("sanctions", "china")]
    assert {p.start for p in cells[("sanctions/un", "china")]} == {50, 55}
    assert {p.start for p in cells[("china", "arms")]} == {60, 55}  # 55-70 china overlaps 60-80 arms
    assert ("sanctions", "sanctions/un") not in cells
    assert len(cells[("sanctions", "sanctions")]) == 2
    assert ("sanctions/un", "arms") not in cells


# -- corpus search ------------------------------------------------------------------------------------------------------
def test_search_hits_have_exact_offsets_and_context() -> None:
    text = "Sanctions, sanctions\nand SANCTIONS."
    found = list(hits("/d", text, compile_pattern("sanctions", ignore_case=True), context=4))
    assert [(h.start, h.end) for h in found] == [(0, 9), (11, 20), (25, 34)]
    for hit in found:
        assert text[hit.start : hit.end] == hit.match
        assert hit.left == text[max(0, hit.start - 4) : hit.start] and hit.right == text[hit.end : hit.end + 4]
    assert found[1].right == "\nand"
    assert list(hits("/d", text, compile_pattern("x*", regex=True))) == []  # empty matches mark nothing
    with pytest.raises(SearchError, match="regular expression"):
        compile_pattern("(", regex=True)
    assert [h.start for h in hits("/d", "a.b", compile_pattern("."))] == [1]  # literal by default


# -- CSV -------------------------------------------------------------------------------------------------------------------
@given(st.text())
@example("=1+1")
@example("'=cmd|' /C calc'!A0")
@example("''+x")
@example("'tis")
@example("-")
def test_guard_is_undone_by_unguard(cell: str) -> None:
    assert unguard(guard(cell)) == cell
    assert guard(cell)[:1] not in "=+-@\t\r" or cell == ""


hostile = st.text(st.characters(blacklist_categories=("Cc", "Cs")) | st.sampled_from("\n\",;=+-@'\u202e"))


@given(quote=hostile, note=hostile, theme=hostile.filter(lambda t: t.strip() and "," not in t))
def test_hostile_passages_read_back_exactly_through_pythons_csv(quote: str, note: str, theme: str) -> None:
    item = annotation(0, len(quote), [theme.strip()])
    item.quote, item.note = quote, note
    for protect in (True, False):
        text = export_csv([item], {}, protect=protect)
        rows = list(csv.reader(io.StringIO(text, newline="")))
        assert rows[0] == list(EXPORT_COLUMNS) and len(rows) == 2
        back = dict(zip(EXPORT_COLUMNS, rows[1]))
        read = unguard if protect else str
        assert read(back["quote"]) == quote and read(back["note"]) == note
        assert read(back["themes"]) == theme.strip()
        assert (back["start"], back["end"]) == ("0", str(len(quote)))


def test_csv_is_rfc_4180_and_terminal_safe() -> None:
    text = write_csv(["a", "b"], [["x,y", 'say "hi"'], ["line\nbreak", "\x1b[2J"], [None, 3]])
    assert text == 'a,b\r\n"x,y","say ""hi"""\r\n"line\nbreak",␛[2J\r\n,3\r\n'


# -- the commands on the README's example ------------------------------------------------------------------------------------
@pytest.fixture
def example_store(cli, store_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    readme_example(cli, store_path, monkeypatch)
    return store_path


def run_json(cli, *args) -> list[dict]:
    result = cli(*args)
    assert (result.code, result.err) == (0, ""), result.err
    return json.loads(result.out)


def test_matrix_shows_the_readmes_counts(cli, example_store: Path) -> None:
    result = cli("matrix", "--store", example_store)
    assert result.code == 0
    lines = [line.split() for line in result.out.splitlines()[1:]]
    assert lines == [["arms", "cooperation", "2", "1"], ["China's", "role", "0", "2"], ["sanctions", "2", "2"]]
    assert "Some comments on the Ru" in result.out.splitlines()[0]
    readme = (SOURCE_ROOT / "README.md").read_text(encoding="utf-8")
    shown = readme.split("`marginalia matrix` prints:\n\n```\n", 1)[1].split("```", 1)[0]
    assert result.out == shown


def test_matrix_and_export_csv_agree_with_list_json(cli, example_store: Path) -> None:
    listed = run_json(cli, "list", "--format", "json", "--store", example_store)
    cells = run_json(cli, "matrix", "--format", "json", "--store", example_store)
    for cell in cells:
        mine = [a for a in listed if cell["theme"] in a["themes"] and a["document"]["path"] == cell["document"]["path"]]
        assert cell["passages"] == len(mine)
        assert cell["characters"] == sum(a["end"] - a["start"] for a in mine)  # none overlap in the example
        assert cell["document"]["title"] == mine[0]["document"]["title"] if mine else True
    wide = list(csv.DictReader(io.StringIO(cli("matrix", "--format", "csv", "--store", example_store).out)))
    for row in wide:
        for path in (str(ASMOLOV), str(PROMA)):
            expected = sum(1 for a in listed if row["theme"] in a["themes"] and a["document"]["path"] == path)
            assert int(row[path]) == expected
    exported = list(csv.DictReader(io.StringIO(cli("export", "--format", "csv", "--store", example_store).out)))
    assert len(exported) == len(listed) == 7
    for row, item in zip(exported, listed):
        assert (row["path"], int(row["start"]), int(row["end"])) == (
            item["document"]["path"],
            item["start"],
            item["end"],
        )
        assert (row["quote"], row["note"], row["title"]) == (item["quote"], item["note"], item["document"]["title"])
        assert row["themes"].split("; ") == item["themes"]
        surname = item["metadata"]["authors"][0].split()[-1]  # the seeds' metadata: "Asmolov, Title (2023), ..."
        assert row["citation"].startswith(f"{surname}, {item['document']['title']} (2023), paragraph")
        assert row["author"] == surname


def test_matrix_counts_percent_and_a_theme_filter(cli, example_store: Path) -> None:
    out = cli("matrix", "--count", "percent", "--theme", "sanctions", "--format", "csv", "--store", example_store).out
    rows = list(csv.reader(io.StringIO(out)))
    assert rows[0] == ["theme", str(ASMOLOV), str(PROMA)] and [r[0] for r in rows[1:]] == ["sanctions"]
    assert all(0 < float(v) < 5 for v in rows[1][1:])
    assert cli("matrix", "--theme", "nope", "--store", example_store).err.startswith("marginalia: error: no theme")


def test_cooccur_on_the_example(cli, example_store: Path) -> None:
    cells = run_json(cli, "cooccur", "--format", "json", "--store", example_store)
    counts = {(c["theme"], c["with"]): c["passages"] for c in cells}
    assert counts[("sanctions", "arms cooperation")] == 1  # Asmolov's double-coded "first category"
    assert counts[("China's role", "sanctions")] == 1 and counts[("sanctions", "sanctions")] == 4
    table = cli("cooccur", "--store", example_store).out.splitlines()
    assert table[0].split() == ["THEME", "1", "2", "3"] and table[3].split()[-3:] == ["1", "1", "4"]


def test_search_command(cli, tmp_path: Path) -> None:
    hits_json = run_json(cli, "search", "sanctions", ASMOLOV, PROMA, "--format", "json", "--context", "5")
    text = ASMOLOV.read_text(encoding="utf-8")
    assert len(hits_json) == 12 and {h["path"] for h in hits_json} == {str(ASMOLOV), str(PROMA)}
    first = hits_json[0]
    assert list(first) == ["path", "start", "end", "match", "left", "right"]
    assert text[first["start"] : first["end"]] == "sanctions" and len(first["left"]) == 5
    table = cli("search", "UNSC", ASMOLOV).out
    assert (
        table.startswith("Some comments on the Russian Defense Minister’s visit to North Korea  (")
        and "[UNSC]" in table
    )
    rows = table.splitlines()[1:]  # each as the text reads beside the match, aligned on it by terminal cells
    assert "Council ([UNSC]) Resolution." in rows[0] and "by the [UNSC]. Although" in rows[1]
    assert "breach the [UNSC] sanctions." in rows[2] and len({row.index("[") for row in rows}) == 1
    assert cli("search", "(", ASMOLOV, "--regex").code == 1
    assert cli("search", "zzzqqq", ASMOLOV).out == "no matches\n"


# -- the codebook in the store ---------------------------------------------------------------------------------------
def test_renaming_a_parent_renames_its_subtree_in_one_write_and_undo_restores_it(store) -> None:
    from tui.history import History, ThemesChanged

    store.add_many([
        annotation(0, 5, ["sanctions/UN"]), annotation(5, 9, ["Sanctions / unilateral"]),
        annotation(9, 12, ["sanctions"]), annotation(12, 20, ["sanctionsX", "arms"]),
    ])  # fmt: skip
    assert {t.name for t in store.themes()} >= {"sanctions/UN", "Sanctions/unilateral"}  # spaces cleaned
    before = store.path.read_bytes()
    history = History()
    change = ThemesChanged("rename", ["sanctions"], "measures")
    change.apply(store)
    history.record(change)
    assert sorted(t for a in store.annotations() for t in a.themes) == [
        "arms", "measures", "measures/UN", "measures/unilateral", "sanctionsX",
    ]  # fmt: skip
    assert {t.name for t in store.themes()} == {"measures", "measures/UN", "measures/unilateral", "sanctionsX", "arms"}
    history.undo(store)
    assert sorted(t.name for t in store.themes()) == sorted(
        ["sanctions", "sanctions/UN", "Sanctions/unilateral", "sanctionsX", "arms"]
    )
    assert store.path.read_bytes() != before  # (revisions moved on) but the themes are back
    assert sorted(t for a in store.annotations() for t in a.themes)[:3] == ["Sanctions/unilateral", "arms", "sanctions"]


def test_a_parent_only_children_carry_can_be_renamed_and_a_clash_is_refused(store, cli) -> None:
    store.add_many([annotation(0, 5, ["sanctions/UN"]), annotation(5, 9, ["arms"]), annotation(9, 12, ["a/b"])])
    store.rename_theme("sanctions", "measures")
    assert sorted(t.name for t in store.themes()) == ["a/b", "arms", "measures/UN"]
    with pytest.raises(Exception, match="already exists"):
        store.rename_theme("measures/UN", "arms")
    store.rename_theme("a", "a/b")  # into its own subtree: renamed once, not twice
    assert sorted(t.name for t in store.themes()) == ["a/b/b", "arms", "measures/UN"]
    result = cli("list", "--theme", "measures", "--format", "json", "--store", store.path)
    assert [a["themes"] for a in json.loads(result.out)] == [["measures/UN"]]
