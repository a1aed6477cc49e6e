"""Issue 11's failures, one test each (each failed before its fix): hostile input never leaks, hangs or crashes."""

from __future__ import annotations

import json
import os
from pathlib import Path

import orjson
import pytest

from tui.document import load_document
from tui.model import new_annotation
from tui.store import Store
from tui.text import json_safe, safe_line, sanitise

HOSTILE = "\x1b]52;c;aGk=\x07x\x1b[2J\x1bP1$qm\x1b\\\x9b31m\u202eevil\x1b]8;;http://e.x\x1b\\link"
CONTROL = [chr(c) for c in [*range(0x20), 0x7F, *range(0x80, 0xA0)]] + ["\u202e", "\u2066", "\u200f", "\u061c"]


def no_controls(text: str, keep: str = "") -> bool:
    return not any(c in text for c in CONTROL if c not in keep)


# -- 1. one place for terminal-safe text ------------------------------------------------------------------------
def test_safe_line_and_sanitise_leave_no_control_code_and_keep_offsets():
    assert no_controls(safe_line(HOSTILE)) and len(safe_line(HOSTILE)) == len(HOSTILE)
    assert no_controls(sanitise(HOSTILE + "\n\t"), keep="\n\t") and sanitise("a\nb\t") == "a\nb\t"
    assert safe_line("a\nb\u2028\ud800") == "a\u240ab\u2424\ufffd"


def test_json_outputs_escape_c1_and_bidi_and_stay_the_same_data():
    value = {"t": "a\x85b\x9b\u202e\u2066\u200f\u061c\x7f\u2028 é ü 中"}
    raw = json_safe(orjson.dumps(value))
    assert raw.isascii() or all(ch not in raw.decode() for ch in "\x85\x9b\u202e\u2066\u200f\u061c\x7f\u2028")
    assert json.loads(raw) == value and "é ü 中" in raw.decode()


@pytest.mark.parametrize("unsafe", ["\x7f", "\x85", "\x9f", "\u061c", "\u200e", "\u2028", "\u202e", "\u2066", "\u2069"])
def test_json_escapes_each_unsafe_character_alone_among_safe_ones_of_its_lead_byte(unsafe: str) -> None:
    """Each is found on its own (JSON without one is returned as it is, looked over a lead byte at a time)."""
    value = ["— “quoted” … © ب " * 50 + unsafe + " — …"]
    raw = json_safe(orjson.dumps(value))
    assert unsafe not in raw.decode() and f"\\u{ord(unsafe):04x}" in raw.decode() and json.loads(raw) == value
    safe = orjson.dumps(["— “quoted” … © ب é"])
    assert json_safe(safe) == safe


async def test_a_hostile_theme_name_in_the_rename_prompt_is_shown_safely(write_doc, store_path):
    """The rename prompt's input held the raw name: 13 raw copies reached the terminal in one run."""
    from textual.widgets import Input

    from tui.document import load_paths
    from tui.ui.app import MarginaliaApp
    from tui.ui.dialogs import PromptDialog

    doc = write_doc("one.txt", "Alpha beta gamma.\n")
    store = Store(store_path)
    store.add(new_annotation(load_document(doc), 0, 5, [HOSTILE]))
    app = MarginaliaApp(load_paths([doc]), store)
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.press("t", "down", "r")  # its "/" puts it under a codebook parent ("...http:")
        assert isinstance(app.screen, PromptDialog)
        field = app.screen.query_one(Input)
        assert no_controls(field.value) and field.value == safe_line(HOSTILE)
        rows = app.screen._compositor.render_update(full=True)  # what would be written to the terminal
        painted = "".join(segment.text for strip in app.screen._compositor.render_strips() for segment in strip)
        assert rows is not None and no_controls(painted)
        await pilot.press("enter")  # unchanged: the theme keeps its name (no rename to the placeholder form)
        for _ in range(3):
            await pilot.pause()
            await app.workers.wait_for_complete()
    assert [t.name for t in Store(store_path).themes()] == [" ".join(HOSTILE.split())]


# -- 2. an import cannot read files the user did not choose -----------------------------------------------------
@pytest.fixture
def secret(tmp_path: Path) -> Path:
    private = tmp_path / "private"
    private.mkdir()
    path = private / "secret.txt"
    path.write_text("root:SECRET-HASH-1234567890:19000:0:99999:7:::\nmore secret lines here\n")
    return path


def _w3c(source: str, selectors: list[dict]) -> dict:
    return {"type": "Annotation", "target": {"source": source, "selector": selectors}}


@pytest.mark.parametrize("source", ["secret", "/proc/self/environ", "dotdot"])
def test_an_import_never_reads_an_unchosen_file(cli, tmp_path: Path, secret: Path, source: str):
    uri = {"secret": secret.as_uri(), "/proc/self/environ": "file:///proc/self/environ",
           "dotdot": f"file://{tmp_path}/shared/../private/secret.txt"}[source]  # fmt: skip
    shared = tmp_path / "shared"
    shared.mkdir()
    path = shared / "annotations.json"
    items = [
        _w3c(uri, [{"type": "TextPositionSelector", "start": 0, "end": 60}]),
        _w3c(
            uri,
            [{"type": "TextQuoteSelector", "exact": "SECRET"}, {"type": "TextPositionSelector", "start": 5, "end": 11}],
        ),
    ]
    path.write_text(json.dumps({"type": "AnnotationPage", "items": items}))
    store_path = tmp_path / "store.json"
    result = cli("import", path, "--store", store_path)
    assert result.code == 0, result.err
    assert "imported 1, skipped 0, left unanchored 2" in result.out
    raw = store_path.read_bytes()
    (orphan,) = Store(store_path).annotations()
    assert (orphan.status, orphan.quote, orphan.prefix, orphan.suffix) == ("orphan", "SECRET", "", "")
    assert b"HASH" not in raw and b"root:" not in raw and b"PATH=" not in raw and b"HOME=" not in raw
    exported = cli("export", "--store", store_path).out + cli("export", "--format", "w3c", "--store", store_path).out
    assert "HASH" not in exported and "root:" not in exported and "PATH=" not in exported


def test_an_import_anchors_into_the_store_documents_and_named_folders(cli, tmp_path: Path, secret: Path):
    shared = tmp_path / "shared"
    shared.mkdir()
    path = shared / "annotations.json"
    path.write_text(json.dumps(_w3c(secret.as_uri(), [{"type": "TextQuoteSelector", "exact": "SECRET"}])))
    chosen = cli("import", path, "--folder", secret.parent, "--store", tmp_path / "a.json")
    assert chosen.code == 0 and Store(tmp_path / "a.json").annotations()[0].status == "anchored"
    known = Store(tmp_path / "b.json")
    known.add(new_annotation(load_document(secret), 0, 4, ["mine"]))
    assert cli("import", path, "--store", known.path).code == 0
    assert [a.status for a in Store(known.path).annotations()] == ["anchored", "anchored"]


def test_a_source_name_too_long_for_the_file_system_is_an_orphan(cli, tmp_path: Path):
    path = tmp_path / "long.json"
    path.write_text(json.dumps(_w3c("file:///" + "x" * 5000 + "/" + "y" * 300, [{"type": "TextQuoteSelector",
                                                                                 "exact": "q"}])))  # fmt: skip
    result = cli("import", path, "--store", tmp_path / "s.json")
    assert result.code == 0 and "left unanchored 1" in result.out, result.err


# -- 8. smaller leaks: CLI lines and JSON outputs ---------------------------------------------------------------
def test_cli_lines_and_json_outputs_carry_no_control_codes(cli, write_doc, tmp_path: Path):
    doc = write_doc("d\x1b[2J\u202e.txt", "Alpha beta gamma.\n")
    store = tmp_path / "s.json"
    assert (
        cli("tag", doc, "--match", "beta", "--theme", "t\x9b2J\u202e", "--note", "n\x85\u2066", "--store", store).code
        == 0
    )
    out = tmp_path / "out\x1b[31m\nx.md"
    wrote = cli("export", "-o", out, "--store", store)
    assert wrote.code == 0 and out.exists() and no_controls(wrote.out, keep="\n") and wrote.out.count("\n") == 1
    for args in (["list", "--format", "json"], ["themes", "--format", "json"], ["export", "--format", "w3c"]):
        result = cli(*args, "--store", store)
        assert result.code == 0 and no_controls(result.out, keep="\n"), args
        json.loads(result.out)
    data = json.loads(cli("list", "--format", "json", "--store", store).out)
    assert data[0]["themes"] == ["t\x9b2J\u202e"] and data[0]["note"] == "n\x85\u2066"  # the same data
    for args in (["list"], ["themes"], ["export"], ["export", "--by", "document"]):
        result = cli(*args, "--store", store)
        assert no_controls(result.out + result.err, keep="\n"), args


# -- 4. no hangs, no unbounded reads: regular files only, within --max-size -------------------------------------
@pytest.fixture
def fifo(tmp_path: Path) -> Path:
    path = tmp_path / "pipe.txt"
    os.mkfifo(path)
    return path


def _one_error(result, *words: str) -> None:
    assert result.code == 1 and result.out == "" and result.err.count("\n") == 1, result
    assert result.err.startswith("marginalia: error: ") and all(w in result.err for w in words), result.err


def test_fifos_devices_and_links_to_them_get_one_line_at_once(cli, tmp_path: Path, fifo: Path):
    store = ["--store", str(tmp_path / "s.json")]
    link = tmp_path / "zero-link.txt"
    link.symlink_to("/dev/zero")
    _one_error(cli("tag", fifo, "--match", "a", "--theme", "t", *store), "named pipe")
    _one_error(cli("tag", "/dev/zero", "--match", "a", "--theme", "t", *store), "character device")
    _one_error(cli("tag", link, "--match", "a", "--theme", "t", *store), "a link to a character device")
    _one_error(cli("import", fifo, *store), "named pipe")
    _one_error(cli("list", "--store", fifo), "named pipe", "cannot be a store")
    _one_error(cli("list", "--store", "/dev/full"), "character device")
    (tmp_path / "ok.txt").write_text("a text\n")
    _one_error(cli("tag", tmp_path / "ok.txt", "--match", "a", "--theme", "t", "--store", "/dev/null"), "device")
    assert not (tmp_path / "s.json").exists() and not Path("/dev/full.lock").exists()


def test_a_store_whose_document_became_a_fifo_lists_and_exports(cli, write_doc, tmp_path: Path):
    doc = write_doc("d.txt", "Alpha beta gamma.\n")
    store = ["--store", str(tmp_path / "s.json")]
    assert cli("tag", doc, "--match", "beta", "--theme", "t", *store).code == 0
    doc.unlink()
    os.mkfifo(doc)
    listed = cli("list", *store)
    assert listed.code == 0 and "beta" in listed.out
    assert cli("export", *store).code == 0


def test_the_size_limit_and_max_size(cli, write_doc, tmp_path: Path):
    doc = write_doc("big.txt", "word " * 300_000)  # 1.5 MB
    store = ["--store", str(tmp_path / "s.json")]
    _one_error(cli("--max-size", "1M", "tag", doc, "--match", "word", "--theme", "t", "--first", *store),
               "over the 1 MB limit", "--max-size")  # fmt: skip
    assert cli("tag", doc, "--match", "word", "--theme", "t", "--first", "--max-size", "2M", *store).code == 0
    assert cli("list", "--max-size", "nonsense", *store).code == 2


# -- 5. tracebacks ------------------------------------------------------------------------------------------------
@pytest.mark.parametrize("encoding", ["base64", "rot13", "hex", "zlib", "bz2", "uu", "quopri", "nope", "a\0b"])
def test_a_bytes_codec_as_encoding_is_one_line(cli, write_doc, tmp_path: Path, encoding: str):
    doc = write_doc("d.txt", "Alpha\n")
    _one_error(cli("tag", doc, "--match", "A", "--theme", "t", "--encoding", encoding, "--store", tmp_path / "s"))


@pytest.mark.parametrize("table", ["annotations", "themes"])
def test_a_schema_0_store_with_a_list_table_is_refused_unchanged(cli, tmp_path: Path, table: str):
    store = tmp_path / "s.json"
    store.write_text(json.dumps({table: [{"name": "x"}]}))
    before = store.read_bytes()
    for args in (["list"], ["themes"], ["tag", store, "--match", "x", "--theme", "t"]):
        _one_error(cli(*args, "--store", store), "damaged")
    assert store.read_bytes() == before and not list(tmp_path.glob("s.json?*"))  # no .schema-0.bak, no lock


# -- 6. a symlinked store is written through ----------------------------------------------------------------------
@pytest.mark.parametrize("dangling", [False, True])
def test_a_symlinked_store_stays_a_link_and_its_target_gets_the_data(cli, write_doc, tmp_path: Path, dangling):
    doc = write_doc("d.txt", "Alpha beta gamma.\n")
    real = tmp_path / "real" / "store.json"
    real.parent.mkdir()
    link = tmp_path / "link.json"
    link.symlink_to(real)
    if not dangling:
        assert cli("tag", doc, "--match", "Alpha", "--theme", "a", "--store", real).code == 0
    assert cli("tag", doc, "--match", "beta", "--theme", "b", "--store", link).code == 0
    assert link.is_symlink() and os.readlink(link) == str(real)
    assert [a.quote for a in Store(real).annotations()] == ["Alpha", "beta"][dangling:]


# -- 8. store validation gaps -------------------------------------------------------------------------------------
@pytest.mark.parametrize("schema", ["true", "1.0", "false"])
def test_a_schema_that_only_equals_1_is_refused(cli, tmp_path: Path, schema: str):
    store = tmp_path / "s.json"
    store.write_text(f'{{"meta": {{"1": {{"schema": {schema}}}}}, "themes": {{}}, "annotations": {{}}}}')
    _one_error(cli("list", "--store", store), "unknown schema version")


def test_themes_with_commas_or_missing_from_the_table_are_damage(cli, store: Store, tmp_path: Path):
    from conftest import annotation, read_store

    store.add(annotation(themes=["ok"]))
    data = read_store(store.path)  # written as one file (a hand-made store): the codebook with its annotations
    for change, words in (
        (lambda d: d["themes"]["1"].update(name="a,b"), "comma"),
        (lambda d: d["themes"].clear(), "not in the themes table"),
    ):
        broken = tmp_path / "broken.json"
        copy = json.loads(json.dumps(data))
        change(copy)
        broken.write_text(json.dumps(copy))
        _one_error(cli("list", "--store", broken), "damaged", words)


def test_an_empty_store_option_is_a_usage_error(cli):
    result = cli("list", "--store", "")
    assert result.code == 2 and "--store needs a path" in result.err


# -- 3. one store write whatever the size; limits for absurd inputs ---------------------------------------------
def test_add_many_and_put_many_rebuild_the_table_once(store: Store, monkeypatch: pytest.MonkeyPatch):
    """One TinyDB table update per batch (one insert at a time made ``tag`` and ``import`` quadratic)."""
    from conftest import annotation
    from tinydb.table import Table

    calls: list[str] = []
    original = Table._update_table
    monkeypatch.setattr(
        Table, "_update_table", lambda self, updater: (calls.append(self.name), original(self, updater))[1]
    )
    store.add_many([annotation(i, i + 1, ["a", "b"]) for i in range(500)])
    assert calls.count("annotations") == 1
    calls.clear()
    again = [annotation(i, i + 1, ["c"]) for i in range(500)]
    created, merged = store.add_many(again, merge=True)
    assert (len(created), merged, calls.count("annotations")) == (0, 500, 1)
    calls.clear()
    store.put_many([annotation(i, i + 2, ["d"]) for i in range(1000, 1500)] + store.annotations()[:10])
    assert calls.count("annotations") == 2 and len(store.annotations()) == 1000  # one insert, one update


def test_absurd_imports_are_refused_with_a_clear_error(cli, tmp_path: Path):
    path = tmp_path / "absurd.json"
    target = {"source": "file:///x.txt", "selector": {"type": "TextQuoteSelector", "exact": "q" * 10_000_000}}
    path.write_text(json.dumps({"type": "Annotation", "target": target}))
    _one_error(cli("import", path, "--store", tmp_path / "s.json"), "10,000,000 characters", "nothing was imported")
    body = [{"type": "TextualBody", "purpose": "tagging", "value": f"tag {i}"} for i in range(20_000)]
    path.write_text(json.dumps({"type": "Annotation", "body": body, "target": "file:///x.txt"}))
    _one_error(cli("import", path, "--store", tmp_path / "s.json"), "20,000 themes on one annotation")
    assert not (tmp_path / "s.json").exists()


def test_thousands_of_themes_on_tag_are_refused(cli, write_doc, tmp_path: Path):
    doc = write_doc("d.txt", "Alpha\n")
    themes = [arg for i in range(5000) for arg in ("--theme", f"t{i}")]
    _one_error(cli("tag", doc, "--match", "Alpha", *themes, "--store", tmp_path / "s.json"), "at most 100")


# -- 7. a note is never dropped silently ------------------------------------------------------------------------
def test_tagging_an_existing_highlight_with_another_note_keeps_both(cli, write_doc, tmp_path: Path):
    doc = write_doc("d.txt", "Alpha beta gamma.\n")
    store = ["--store", str(tmp_path / "s.json")]
    assert cli("tag", doc, "--match", "beta", "--theme", "a", "--note", "first thought", *store).code == 0
    again = cli("tag", doc, "--match", "beta", "--theme", "b", "--note", "second thought", *store)
    assert again.code == 0 and "1 already there; the note is added to theirs" in again.out
    (only,) = Store(tmp_path / "s.json").annotations()
    assert (only.themes, only.note) == (["a", "b"], "first thought\n\nsecond thought")
    cli("tag", doc, "--match", "beta", "--theme", "b", "--note", "second thought", *store)
    assert Store(tmp_path / "s.json").annotations()[0].note == "first thought\n\nsecond thought"  # not twice


# -- the command line's small surprises --------------------------------------------------------------------------
def test_command_line_surprises(cli, write_doc, tmp_path: Path):
    doc = write_doc("d.txt", "Alpha beta gamma.\n")
    store = ["--store", str(tmp_path / "s.json")]
    assert cli("tag", doc, "--match", "beta", "--theme", "a", *store).code == 0
    short = cli("delete", "4fa", *store)
    assert short.code == 1 and "give at least 4 characters" in short.err
    missing = cli("list", "--doc", tmp_path / "missing.txt", *store)
    assert missing.code == 1 and "no annotations on this document" in missing.err
    frob = cli("frob")
    assert frob.code == 2 and "neither a command nor a file" in frob.err and "export" in frob.err
    same = cli("theme", "rename", "a", "a", *store)
    assert same.code == 1 and "already has that name" in same.err
    assert cli("theme", "rename", "a", "A", *store).code == 0  # a change of case is a rename


def test_one_relinked_annotation_points(cli, write_doc, tmp_path: Path):
    from tui.library import Report

    assert Report(relinked=1).summary() == "1 annotation now points at a moved or renamed file"


# -- themes travel in the W3C export ------------------------------------------------------------------------------
def test_theme_colours_and_descriptions_travel_in_the_w3c_export(cli, write_doc, tmp_path: Path):
    doc = write_doc("d.txt", "Alpha beta gamma.\n")
    source = ["--store", str(tmp_path / "a.json")]
    assert cli("tag", doc, "--match", "beta", "--theme", "arms", *source).code == 0
    assert cli("theme", "recolour", "arms", "#123456", *source).code == 0
    assert cli("theme", "describe", "arms", "weapons \x1b and trade", *source).code == 0
    exported = doc.parent / "export.json"
    assert cli("export", "--format", "w3c", "-o", exported, *source).code == 0
    data = json.loads(exported.read_text())
    assert data["@context"][0] == "http://www.w3.org/ns/anno.jsonld" and data["mg:themes"][0]["mg:colour"] == "#123456"
    target = Store(tmp_path / "b.json")
    target.ensure_themes(["other"])
    assert cli("import", exported, "--store", target.path).code == 0
    themes = {t.name: (t.colour, t.description) for t in Store(target.path).themes()}
    assert themes["arms"] == ("#123456", "weapons \x1b and trade") and "other" in themes
