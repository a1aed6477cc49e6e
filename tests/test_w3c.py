"""W3C Web Annotation export and import: the collection's shape, the round trip into an empty store, anchoring by
selectors, duplicates, other tools' files and files that must change nothing."""

from __future__ import annotations

import json
import shutil
import uuid
from pathlib import Path

import pytest
from conftest import ASMOLOV, PROMA
from hypothesis import given, settings
from hypothesis import strategies as st

from tui.document import load_document
from tui.model import new_annotation
from tui.store import Store
from tui.w3c import CONTEXT, ImportFailure, import_file, render_collection


@pytest.fixture
def seeds(tmp_path: Path) -> tuple[Path, Path]:
    folder = tmp_path / "seeds"
    folder.mkdir()
    return Path(shutil.copy(ASMOLOV, folder)).resolve(), Path(shutil.copy(PROMA, folder)).resolve()


def _span(document, needle: str, nth: int = 0) -> tuple[int, int]:
    start = -1
    for _ in range(nth + 1):
        start = document.text.index(needle, start + 1)
    return start, start + len(needle)


@pytest.fixture
def tagged(store: Store, seeds: tuple[Path, Path]) -> Store:
    asmolov, proma = (load_document(p) for p in seeds)
    across = asmolov.text.index("celebrated, and this year")
    store.add_many([
        new_annotation(asmolov, *_span(asmolov, "sanctions", 1), ["sanctions"], "Asmolov on *sanctions* <b>|</b>"),
        new_annotation(asmolov, across, asmolov.text.index("Sergey Shoygu will pay"), ["arms", "Kim's visit"]),
        new_annotation(proma, *_span(proma, "China"), ["China's role", "sanctions"], "compare\n\nwith Asmolov"),
        new_annotation(proma, *_span(proma, "Kim Jong Un"), []),
    ])  # fmt: skip
    return store


def _essence(store: Store) -> list[tuple]:
    """What a round trip must keep: ids, documents, offsets, quotes, themes, notes."""
    return sorted((a.id, a.document.path, a.start, a.end, a.quote, a.themes, a.note, a.status)
                  for a in store.annotations())  # fmt: skip


def _export(store: Store, path: Path) -> Path:
    path.write_text(render_collection(store.annotations()), encoding="utf-8")
    return path


def _items(path: Path) -> list[dict]:
    return json.loads(path.read_text(encoding="utf-8"))["first"]["items"]


def _rewrite(path: Path, change) -> Path:
    data = json.loads(path.read_text(encoding="utf-8"))
    change(data)
    path.write_text(json.dumps(data), encoding="utf-8")
    return path


# -- export ----------------------------------------------------------------------------------------------------------
def test_the_collection_follows_the_data_model(tagged: Store, seeds: tuple[Path, Path]):
    data = json.loads(render_collection(tagged.annotations()))
    assert data["@context"] == CONTEXT and data["type"] == "AnnotationCollection" and data["total"] == 4
    assert data["id"].startswith("urn:uuid:") and data["first"]["type"] == "AnnotationPage"
    china = next(i for i in data["first"]["items"] if i["target"]["selector"][0]["exact"] == "China")
    assert uuid.UUID(china["id"].removeprefix("urn:uuid:")).version == 4
    assert china["type"] == "Annotation" and china["motivation"] == "highlighting"
    assert china["created"].endswith("Z") and china["modified"].endswith("Z")
    assert china["body"] == [
        {"type": "TextualBody", "purpose": "tagging", "value": "China's role"},
        {"type": "TextualBody", "purpose": "tagging", "value": "sanctions"},
        {"type": "TextualBody", "purpose": "commenting", "value": "compare\n\nwith Asmolov", "format": "text/plain"},
    ]
    target = china["target"]
    assert target["source"] == seeds[1].as_uri()
    quote, position = target["selector"]
    text = load_document(seeds[1]).text
    assert quote["type"] == "TextQuoteSelector" and position["type"] == "TextPositionSelector"
    assert text[position["start"] : position["end"]] == quote["exact"] == "China"
    assert text[: position["start"]].endswith(quote["prefix"]) and text[position["end"] :].startswith(quote["suffix"])
    plain = next(i for i in data["first"]["items"] if i["target"]["selector"][0]["exact"] == "Kim Jong Un")
    assert "body" not in plain


def test_the_export_is_deterministic(tagged: Store):
    assert render_collection(tagged.annotations()) == render_collection(reversed(tagged.annotations()))
    empty = json.loads(render_collection([]))
    assert empty["total"] == 0 and "first" not in empty


# -- the round trip --------------------------------------------------------------------------------------------------
def test_export_then_import_into_an_empty_store_gives_the_same_annotations(tagged: Store, tmp_path: Path):
    exported = _export(tagged, tmp_path / "seeds" / "export.json")  # beside the documents: the import may use them
    fresh = Store(tmp_path / "fresh.json")
    report = import_file(fresh, exported)
    assert (report.imported, report.skipped, report.unanchored) == (4, 0, 0)
    assert _essence(fresh) == _essence(tagged)
    assert [(a.prefix, a.suffix, a.created, a.updated) for a in fresh.annotations()] == [
        (a.prefix, a.suffix, a.created, a.updated) for a in tagged.annotations()
    ]
    before = fresh.path.read_bytes()
    again = import_file(fresh, exported)
    assert (again.imported, again.skipped) == (0, 4)
    assert fresh.path.read_bytes() == before  # nothing to write, nothing written


@settings(max_examples=100)
@given(
    st.lists(
        st.tuples(
            st.integers(0, 8000),
            st.integers(1, 400),
            st.lists(st.sampled_from(["a", "B b", "ç,", "Kim's"]), max_size=3),
            st.text(max_size=30),
        ),
        min_size=1,
        max_size=6,
    )
)
def test_round_trip_of_arbitrary_spans_themes_and_notes(tmp_path_factory, items):
    folder = tmp_path_factory.mktemp("trip")
    document = load_document(shutil.copy(PROMA, folder))
    source = Store(folder / "source.json")
    annotations = []
    for start, length, themes, note in items:
        start = min(start, len(document.text) - 1)
        themes = [t.replace(",", "") for t in themes]
        annotations.append(new_annotation(document, start, min(start + length, len(document.text)), themes, note))
    source.put_many(annotations)  # not add_many: it would merge annotations on the same span
    exported = _export(source, folder / "export.json")
    target = Store(folder / "target.json")
    report = import_file(target, exported)
    assert report.imported == len(items) and report.unanchored == 0
    assert _essence(target) == _essence(source)


# -- anchoring ---------------------------------------------------------------------------------------------------------
def test_the_quote_wins_when_the_position_is_wrong(tagged: Store, tmp_path: Path):
    def shift(data):
        for item in data["first"]["items"]:
            item["target"]["selector"][1]["start"] += 3
            item["target"]["selector"][1]["end"] += 3

    exported = _rewrite(_export(tagged, tmp_path / "seeds" / "export.json"), shift)
    fresh = Store(tmp_path / "fresh.json")
    assert import_file(fresh, exported).imported == 4
    assert _essence(fresh) == _essence(tagged)


def test_of_several_matches_the_prefix_and_suffix_choose(tagged: Store, tmp_path: Path, seeds: tuple[Path, Path]):
    """The second "sanctions" of Asmolov's text, with no position: its context finds it, not the first one."""

    def drop_positions(data):
        for item in data["first"]["items"]:
            del item["target"]["selector"][1]

    exported = _rewrite(_export(tagged, tmp_path / "seeds" / "export.json"), drop_positions)
    fresh = Store(tmp_path / "fresh.json")
    import_file(fresh, exported)
    assert _essence(fresh) == _essence(tagged)
    (sanctions,) = [a for a in fresh.annotations(doc=str(seeds[0])) if a.quote == "sanctions"]
    assert sanctions.start == _span(load_document(seeds[0]), "sanctions", 1)[0]


def test_documents_are_found_by_file_name_or_given(tagged: Store, tmp_path: Path, seeds: tuple[Path, Path]):
    """An export from another machine: the paths do not exist here, the file names do (next to the export)."""

    def elsewhere(data):
        for item in data["first"]["items"]:
            item["target"]["source"] = item["target"]["source"].replace(str(seeds[0].parent), "/home/someone/articles")

    moved = tmp_path / "moved"
    moved.mkdir()
    copies = [Path(shutil.copy(s, moved)).resolve() for s in seeds]
    exported = _rewrite(_export(tagged, moved / "export.json"), elsewhere)
    fresh = Store(tmp_path / "fresh.json")
    assert import_file(fresh, exported).imported == 4
    assert {a.document.path for a in fresh.annotations()} == {str(p) for p in copies}

    only_proma = Store(tmp_path / "proma.json")
    report = import_file(only_proma, exported, doc=copies[1])
    # Proma mentions sanctions too, but with none of Asmolov's context around it: not a place to claim
    assert (report.imported, report.orphans) == (4, 2)
    orphans = sorted((a for a in only_proma.annotations() if a.status == "orphan"), key=lambda a: a.quote)
    assert [(a.start, a.end, a.document.path) for a in orphans] == [(0, 0, str(copies[1]))] * 2
    assert orphans[0].quote.startswith("celebrated, and this year") and orphans[1].quote == "sanctions"


def test_unanchorable_annotations_are_reported(tmp_path: Path, seeds: tuple[Path, Path]):
    """A quote that is nowhere is kept as an orphan (offsets 0:0); a bare position that does not fit is dropped."""
    source = seeds[1].as_uri()
    items = [
        {"type": "Annotation", "target": {"source": source, "selector": {"type": "TextQuoteSelector",
                                                                        "exact": "not in the text at all"}}},
        {"type": "Annotation", "target": {"source": source, "selector": {"type": "TextPositionSelector",
                                                                        "start": 10**7, "end": 10**7 + 5}}},
        {"type": "Annotation", "target": {"source": source, "selector": {"type": "TextPositionSelector",
                                                                        "start": 0, "end": 6}}},
        {"type": "Annotation", "target": "file:///nowhere/gone.txt"},
    ]  # fmt: skip
    path = tmp_path / "page.json"
    path.write_text(json.dumps({"type": "AnnotationPage", "items": items}))
    store = Store(tmp_path / "store.json")
    report = import_file(store, path)
    assert (report.imported, report.orphans, report.dropped, report.unanchored) == (2, 1, 2, 3)
    assert report.lines()[0] == "imported 2, skipped 0, left unanchored 3"
    kept = {a.quote: (a.start, a.end, a.status) for a in store.annotations()}
    assert kept == {"not in the text at all": (0, 0, "orphan"), "Sergei": (0, 6, "anchored")}


# -- other tools' files ---------------------------------------------------------------------------------------------
def test_hypothesis_style_rows(tmp_path: Path, seeds: tuple[Path, Path]):
    text = load_document(seeds[1]).text
    start = text.index("Kim Jong Un")
    row = {
        "id": "Xy12AbCdEf",
        "created": "2023-08-01T10:00:00.000000+00:00",
        "updated": "2023-08-02T10:00:00.000000+00:00",
        "uri": "https://example.org/proma-2023-shoigu-visit-defense-cooperation.txt",
        "text": "Kim *again*",
        "tags": ["leaders", "Kim"],
        "target": [{
            "source": "https://example.org/proma-2023-shoigu-visit-defense-cooperation.txt",
            "selector": [
                {"type": "RangeSelector", "startContainer": "/div[1]", "startOffset": 0, "endContainer": "/div[1]",
                 "endOffset": 11},
                {"type": "TextPositionSelector", "start": start + 2, "end": start + 13},
                {"type": "TextQuoteSelector", "exact": "Kim Jong Un", "prefix": text[start - 10 : start],
                 "suffix": text[start + 11 : start + 20]},
            ],
        }],
    }  # fmt: skip
    path = tmp_path / "hypothesis.json"
    path.write_text(json.dumps({"total": 1, "rows": [row]}))
    store = Store(tmp_path / "store.json")
    report = import_file(store, path, doc=seeds[1])
    assert report.imported == 1
    (imported,) = store.annotations()
    assert (imported.start, imported.quote, imported.note) == (start, "Kim Jong Un", "Kim *again*")
    assert imported.themes == ["leaders", "Kim"]
    assert imported.created == row["created"] and imported.updated == row["updated"]
    assert uuid.UUID(imported.id).version == 4  # not a urn:uuid: a new id
    again = import_file(store, path, doc=seeds[1])
    assert (again.imported, again.skipped) == (0, 1)  # the same content is an exact duplicate, whatever its id


def test_a_changed_annotation_with_a_known_id_is_left_alone(tagged: Store, tmp_path: Path):
    exported = _rewrite(
        _export(tagged, tmp_path / "export.json"),
        lambda data: data["first"]["items"][0]["body"].append({"type": "TextualBody", "value": "!"}),
    )
    report = import_file(tagged, exported)
    assert (report.imported, report.skipped, report.conflicts) == (0, 3, 1)
    assert "same id but other content" in report.lines()[-1]


# -- files that change nothing -----------------------------------------------------------------------------------------
def _first_selector(data):
    return data["first"]["items"][0]["target"]["selector"]


def _tagged_item(data):
    return next(item for item in data["first"]["items"] if "body" in item)


BAD_FILES = [
    (lambda d: None, b"", "the file is empty"),
    (lambda d: None, b"{not json", "not valid JSON"),
    (lambda d: None, b"42", "neither an object nor a list"),
    (lambda d: None, b'{"type": "AnnotationPage", "items": [], "items": []}', "duplicate key 'items'"),
    (lambda d: None, b'"\xff"', "not valid UTF-8"),
    (lambda d: None, b'{"hello": 1}', "not a W3C annotation collection"),
    (lambda d: d.update(first="https://example.org/page1"), None, "pages are links"),
    (lambda d: d["first"]["items"].append(7), None, "annotation 5: it is not an object"),
    (lambda d: d["first"]["items"][1].pop("target"), None, "annotation 2 (urn:uuid:"),
    (lambda d: _first_selector(d)[1].update(start=-1), None, "start -1 is not a non-negative integer"),
    (lambda d: _first_selector(d)[1].update(start=10, end=5), None, "runs backwards (10 to 5)"),
    (lambda d: _first_selector(d)[0].update(exact=3), None, "exact is not text"),
    (lambda d: _tagged_item(d)["body"][0].update(value="a, b"), None, "cannot contain a comma"),
    (lambda d: d["first"]["items"][2].update(created="yesterday"), None, "'yesterday' is not a date and time"),
    (lambda d: d["first"]["items"][3].update(id=d["first"]["items"][0]["id"]), None, "have the same id"),
    (lambda d: d["first"]["items"][0].update(id="urn:uuid:not-a-uuid"), None, "is not a valid urn:uuid"),
]


@pytest.mark.parametrize(("change", "raw", "message"), BAD_FILES)
def test_a_bad_file_changes_nothing_and_says_what_is_wrong(cli, tagged: Store, tmp_path: Path, change, raw, message):
    path = _export(tagged, tmp_path / "bad.json")
    if raw is not None:
        path.write_bytes(raw)
    else:
        _rewrite(path, change)
    fresh = tmp_path / "fresh.json"
    with pytest.raises(ImportFailure, match="nothing was imported") as caught:
        import_file(Store(fresh), path)
    assert message in str(caught.value) and str(path) in str(caught.value)
    assert not fresh.exists()
    result = cli("import", path, "--store", fresh)
    assert result.code == 1 and result.out == "" and result.err.count("\n") == 1 and message in result.err


def test_import_command(cli, tagged: Store, tmp_path: Path):
    exported = tmp_path / "seeds" / "export.json"
    assert cli("export", "--format", "w3c", "--store", tagged.path, "-o", exported).code == 0
    fresh = tmp_path / "fresh.json"
    first = cli("import", exported, "--store", fresh)
    assert (first.code, first.out) == (0, "imported 4, skipped 0, left unanchored 0\n")
    assert cli("import", exported, "--store", fresh).out == "imported 0, skipped 4, left unanchored 0\n"
    assert _essence(Store(fresh)) == _essence(tagged)
    missing = cli("import", tmp_path / "nope.json", "--store", fresh)
    assert missing.code == 1 and "cannot read" in missing.err
    assert cli("import", exported, "--doc", tmp_path / "nope.txt", "--store", fresh).code == 1


# -- refinements, linked pages, positions without quotes --------------------------------------------------------------
def _import_items(tmp_path: Path, items: list[dict], doc: Path) -> tuple:
    path = tmp_path / "refined.json"
    path.write_text(json.dumps({"type": "AnnotationPage", "items": items}))
    store = Store(tmp_path / "store.json")
    report = import_file(store, path, doc=doc)
    return report, {a.note: a for a in store.annotations()}


def _item(note: str, *selectors: dict) -> dict:
    return {"type": "Annotation", "bodyValue": note, "target": {"source": "proma.txt", "selector": list(selectors)}}


def test_selectors_refined_by_others_are_followed(tmp_path: Path, seeds: tuple[Path, Path]):
    """A quote refined within a span is the copy in that span (the seed says "Russia" 30 times); a position
    within a position (or an RFC 5147 fragment) counts from its start; a quote within a segment marginalia cannot
    find (CSS) is found by itself; the outer selector is where the refinement applies, never the highlight."""
    text = load_document(seeds[1]).text
    fifth = [i for i in range(len(text)) if text.startswith("Russia", i)][4]
    paragraph = fifth - 40, fifth + 40  # the only copy in it
    assert text.count("Russia", *paragraph) == 1
    quote = {"type": "TextQuoteSelector", "exact": "Russia"}
    char = {"type": "FragmentSelector", "conformsTo": "http://tools.ietf.org/rfc/rfc5147", "value":
            f"char={paragraph[0]},{paragraph[1]}"}  # fmt: skip
    items = [
        _item(
            "in a position",
            {"type": "TextPositionSelector", "start": paragraph[0], "end": paragraph[1], "refinedBy": quote},
        ),
        _item("in a fragment", {**char, "refinedBy": [quote]}),
        _item(
            "position in position",
            {
                "type": "TextPositionSelector",
                "start": paragraph[0],
                "end": paragraph[1],
                "refinedBy": {
                    "type": "TextPositionSelector",
                    "start": fifth - paragraph[0],
                    "end": fifth - paragraph[0] + 6,
                },
            },
        ),
        _item(
            "in CSS",
            {
                "type": "CssSelector",
                "value": "#p3",
                "refinedBy": {
                    "type": "TextQuoteSelector",
                    "exact": "Russia",
                    "prefix": text[fifth - 20 : fifth],
                    "suffix": text[fifth + 6 : fifth + 26],
                },
            },
        ),
        _item(
            "position in CSS",
            {
                "type": "CssSelector",
                "value": "#p3",
                "refinedBy": {"type": "TextPositionSelector", "start": 0, "end": 6},
            },
        ),
    ]
    report, by_note = _import_items(tmp_path, items, seeds[1])
    assert (report.imported, report.dropped) == (4, 1)  # a position in an unknown segment means nothing
    for note in ("in a position", "in a fragment", "position in position", "in CSS"):
        found = by_note[note]
        assert (found.start, found.end, found.quote, found.status) == (fifth, fifth + 6, "Russia", "anchored"), note


def test_a_refined_quote_found_twice_in_its_span_is_ambiguous(tmp_path: Path, seeds: tuple[Path, Path]):
    text = load_document(seeds[1]).text
    copies = [i for i in range(len(text)) if text.startswith("Russia", i)]
    span = {"type": "TextPositionSelector", "start": copies[0] - 1, "end": copies[2] - 1,
            "refinedBy": {"type": "TextQuoteSelector", "exact": "Russia"}}  # fmt: skip
    report, by_note = _import_items(tmp_path, [_item("two", span)], seeds[1])
    (found,) = by_note.values()
    assert (report.ambiguous, found.status) == (1, "ambiguous")
    assert [c["start"] for c in found.candidates or []] == copies[:2]


def test_an_empty_quote_with_a_position_imports_by_position(tmp_path: Path, seeds: tuple[Path, Path]):
    text = load_document(seeds[1]).text
    start = text.index("Kim Jong Un")
    items = [_item("empty", {"type": "TextQuoteSelector", "exact": "", "prefix": "x"},
                   {"type": "TextPositionSelector", "start": start, "end": start + 11})]  # fmt: skip
    report, by_note = _import_items(tmp_path, items, seeds[1])
    found = by_note["empty"]
    assert (report.imported, found.start, found.end, found.quote, found.status) == (
        1, start, start + 11, "Kim Jong Un", "anchored")  # fmt: skip
    assert found.prefix == text[start - 32 : start]
    alone = tmp_path / "alone.json"
    alone.write_text(json.dumps(_item("no place", {"type": "TextQuoteSelector", "exact": ""})))
    with pytest.raises(ImportFailure, match="exact is empty and it has no position"):
        import_file(Store(tmp_path / "other.json"), alone, doc=seeds[1])


def test_a_collection_imports_its_embedded_page_and_names_the_linked_ones(cli, tagged: Store, tmp_path: Path):
    """Nothing is fetched: the embedded first page is imported, and the report says which pages it links to."""
    exported = _export(tagged, tmp_path / "seeds" / "export.json")
    _rewrite(exported, lambda d: (d["first"].update(next="https://example.org/anno/page2"),
                                  d.update(last={"id": "https://example.org/anno/page9", "type": "AnnotationPage"},
                                           total=250)))  # fmt: skip
    result = cli("import", exported, "--store", tmp_path / "fresh.json")
    assert result.code == 0 and result.out.splitlines()[0] == "imported 4, skipped 0, left unanchored 0"
    assert result.out.splitlines()[1] == (
        "only the pages embedded in the file were imported; not followed (marginalia never fetches): "
        "https://example.org/anno/page2, https://example.org/anno/page9; save them and import each"
    )
    assert len(Store(tmp_path / "fresh.json").annotations()) == 4
