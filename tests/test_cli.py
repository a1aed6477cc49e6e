"""The command line, run in-process: tag, list, themes, theme actions, delete, help, errors and exit codes."""

from __future__ import annotations

import argparse
import json
import re
import subprocess
from pathlib import Path

import pytest
from conftest import ASMOLOV, PROMA, read_store, run_python
from hypothesis import given, settings
from hypothesis import strategies as st

from tui.cli import build_parser
from tui.document import load_document
from tui.model import PALETTE, PUBLIC_KEYS
from tui.storage import backup_paths


@pytest.fixture
def store_arg(store_path: Path) -> list[str]:
    return ["--store", str(store_path)]


def listing(cli, store_arg: list[str], *extra: str) -> list[dict]:
    result = cli("list", "--format", "json", *store_arg, *extra)
    assert (result.code, result.err) == (0, "")
    return json.loads(result.out)


def occurrences(text: str, needle: str) -> list[int]:
    found, at = [], text.find(needle)
    while at != -1:
        found.append(at)
        at = text.find(needle, at + len(needle))
    return found


# -- the issue's acceptance check --------------------------------------------------------------------------------
def test_tag_the_seed_then_list_json_shows_one_annotation_per_occurrence(cli, store_arg: list[str]) -> None:
    result = cli("tag", ASMOLOV, "--match", "sanctions", "--theme", "sanctions", *store_arg)
    assert (result.code, result.err) == (0, "")
    assert (
        result.out
        == "created 8 highlights of 'sanctions' in 'Some comments on the Russian Defense Minister’s visit to No…'\n"
    )
    text = load_document(ASMOLOV).text
    annotations = listing(cli, store_arg)
    assert [a["start"] for a in annotations] == occurrences(text, "sanctions")
    assert len(annotations) == 8
    for a in annotations:
        assert list(a) == [*PUBLIC_KEYS, "page", "metadata"]
        assert a["page"] is None  # a text file has no pages
        assert a["metadata"] == {
            "title": "Some comments on the Russian Defense Minister’s visit to North Korea",
            "authors": ["Konstantin Asmolov"], "date": "2023-08-08", "url": "",
        }  # fmt: skip
        assert list(a["document"]) == ["path", "title", "fingerprint"]
        assert a["quote"] == "sanctions" == text[a["start"] : a["end"]]
        assert a["prefix"] == text[max(0, a["start"] - 32) : a["start"]] and len(a["prefix"]) == 32
        assert a["suffix"] == text[a["end"] : a["end"] + 32]
        assert a["document"] == {
            "path": str(ASMOLOV.resolve()),
            "title": "Some comments on the Russian Defense Minister’s visit to North Korea",
            "fingerprint": load_document(ASMOLOV).fingerprint,
        }
        assert (a["themes"], a["note"], a["status"]) == (["sanctions"], "", "anchored")
        assert a["created"] == a["updated"] and a["created"].endswith("Z")


def test_re_running_tag_creates_no_duplicates(cli, store_arg: list[str]) -> None:
    cli("tag", ASMOLOV, "--match", "sanctions", "--theme", "sanctions", *store_arg)
    before = listing(cli, store_arg)
    again = cli("tag", ASMOLOV, "--match", "sanctions", "--theme", "sanctions", *store_arg)
    assert (
        again.out
        == "created 0 highlights of 'sanctions' in 'Some comments on the Russian Defense Minister’s visit to No…' (8 already there)\n"
    )
    assert listing(cli, store_arg) == before
    more = cli("tag", ASMOLOV, "--match", "sanctions", "--theme", "UN", *store_arg)
    assert more.code == 0
    after = listing(cli, store_arg)
    assert [a["id"] for a in after] == [a["id"] for a in before]
    assert {tuple(a["themes"]) for a in after} == {("sanctions", "UN")}


def test_tag_options(cli, store_arg: list[str], write_doc) -> None:
    path = write_doc("d.txt", "China and china and CHINA.\n")
    result = cli("tag", path, "--match", "china", "--theme", "China's role", "--theme", "Asia", "--ignore-case",
                 "--note", "compare", *store_arg)  # fmt: skip
    assert result.out == "created 3 highlights of 'china' in 'China and china and CHINA.'\n"
    annotations = listing(cli, store_arg)
    assert [(a["start"], a["quote"]) for a in annotations] == [(0, "China"), (10, "china"), (20, "CHINA")]
    assert {(tuple(a["themes"]), a["note"]) for a in annotations} == {(("China's role", "Asia"), "compare")}
    first = cli("tag", path, "--match", "and", "--theme", "x", "--first", *store_arg)
    assert first.out == "created 1 highlight of 'and' in 'China and china and CHINA.'\n"
    assert [a["start"] for a in listing(cli, store_arg, "--theme", "x")] == [6]


def test_tag_with_no_occurrence(cli, store_arg: list[str]) -> None:
    """Exit codes scripts can trust: nothing found is exit 1 with its message, and nothing is written."""
    result = cli("tag", PROMA, "--match", "zebra", "--theme", "animals", *store_arg)
    assert (result.code, result.out) == (1, "")
    assert result.err.startswith("marginalia: error: no occurrence of 'zebra' in 'Sergei Shoigu")
    assert not Path(store_arg[1]).exists()
    empty = cli("tag", PROMA, "--match", "", "--theme", "animals", *store_arg)
    assert empty.code == 2 and "--match needs a text" in empty.err


def test_tag_a_cp1251_document(cli, store_arg: list[str], write_doc) -> None:
    text = "Визит Шойгу в Пхеньян.\nСанкции ООН против КНДР остаются в силе; санкции обсуждались.\n"
    path = write_doc("ru.txt", text.encode("cp1251"))
    assert cli("tag", path, "--match", "санкции", "--ignore-case", "--theme", "Санкции", *store_arg).code == 0
    annotations = listing(cli, store_arg)
    assert [(a["quote"], text[a["start"] : a["end"]]) for a in annotations] == [
        ("Санкции", "Санкции"),
        ("санкции", "санкции"),
    ]
    assert annotations[0]["document"]["title"] == "Визит Шойгу в Пхеньян."


def test_tag_a_utf16_document_with_crlf(cli, store_arg: list[str], write_doc) -> None:
    path = write_doc("u16.txt", "line one\r\nline two: target\r\n".encode("utf-16"))
    assert cli("tag", path, "--match", "target", "--theme", "t", *store_arg).code == 0
    [a] = listing(cli, store_arg)
    assert (a["start"], a["end"], a["quote"]) == (19, 25, "target")  # offsets into the text with \n newlines


def test_tag_a_document_with_control_characters(cli, store_arg: list[str], write_doc) -> None:
    path = write_doc("ctl.txt", "\x1b[2Jclear \u202eevil\u202c target\x07\n")
    assert cli("tag", path, "--match", "target", "--theme", "t", *store_arg).code == 0
    [a] = listing(cli, store_arg)
    assert (a["start"], a["quote"], a["prefix"]) == (17, "target", "\u241b[2Jclear \u21c4evil\u21c4 ")
    table = cli("list", *store_arg).out
    assert "\x1b" not in table and "\u202e" not in table


def test_offsets_count_code_points_not_utf16_units_or_bytes(cli, store_arg: list[str], write_doc) -> None:
    path = write_doc("emoji.txt", "😀😀 café target\n")
    assert cli("tag", path, "--match", "target", "--theme", "t", *store_arg).code == 0
    [a] = listing(cli, store_arg)
    assert (a["start"], a["end"], a["prefix"]) == (8, 14, "😀😀 café ")


def test_tag_with_an_explicit_encoding(cli, store_arg: list[str], write_doc) -> None:
    path = write_doc("ru.txt", "Привет".encode("cp1251"))
    assert cli("tag", path, "--match", "Привет", "--theme", "t", "--encoding", "cp1251", *store_arg).code == 0
    assert cli("tag", path, "--match", "x", "--theme", "t", "--encoding", "utf-8", *store_arg).code == 1


def test_tag_an_empty_file(cli, store_arg: list[str], write_doc) -> None:
    result = cli("tag", write_doc("empty.txt", b""), "--match", "x", "--theme", "t", *store_arg)
    assert (result.code, result.err) == (1, "marginalia: error: no occurrence of 'x' in 'empty.txt'\n")


# -- list and themes -----------------------------------------------------------------------------------------------
def test_list_is_ordered_by_path_then_start_and_filters(cli, store_arg: list[str]) -> None:
    cli("tag", PROMA, "--match", "China", "--theme", "China", *store_arg)
    cli("tag", ASMOLOV, "--match", "China", "--theme", "China", *store_arg)
    cli("tag", ASMOLOV, "--match", "sanctions", "--theme", "sanctions", *store_arg)
    everything = listing(cli, store_arg)
    keys = [(a["document"]["path"], a["start"]) for a in everything]
    assert keys == sorted(keys)
    assert {a["document"]["path"] for a in everything} == {str(ASMOLOV.resolve()), str(PROMA.resolve())}
    asmolov = listing(cli, store_arg, "--doc", str(ASMOLOV))
    assert asmolov == [a for a in everything if a["document"]["path"] == str(ASMOLOV.resolve())]
    assert [a["quote"] for a in listing(cli, store_arg, "--theme", "SANCTIONS")] == ["sanctions"] * 8


def test_list_table(cli, store_arg: list[str], write_doc) -> None:
    assert cli("list", *store_arg).out == "no annotations\n"
    path = write_doc("d.txt", "Title\nsome words here\n")
    cli("tag", path, "--match", "words", "--theme", "w", "--note", "n1", *store_arg)
    [a] = listing(cli, store_arg)
    lines = cli("list", *store_arg).out.splitlines()
    assert re.split(r"\s{2,}", lines[0]) == ["ID", "DOCUMENT", "SPAN", "CODER", "THEMES", "QUOTE", "NOTE"]
    assert re.split(r"\s{2,}", lines[1]) == [a["id"][:8], "Title", "11-16", a["coder"], "w", "words", "n1"]
    assert len(lines) == 2


def test_list_of_a_missing_theme_is_an_error(cli, store_arg: list[str]) -> None:
    result = cli("list", "--theme", "nothing", *store_arg)
    assert (result.code, result.out, result.err) == (1, "", "marginalia: error: no theme named 'nothing'\n")


def test_themes(cli, store_arg: list[str]) -> None:
    assert cli("themes", *store_arg).out == "no themes\n"
    cli("tag", ASMOLOV, "--match", "sanctions", "--theme", "Sanctions", *store_arg)
    cli("tag", PROMA, "--match", "sanctions", "--theme", "sanctions", "--theme", "arms", *store_arg)
    cli("theme", "describe", "sanctions", "UN measures", *store_arg)
    themes = json.loads(cli("themes", "--format", "json", *store_arg).out)
    assert [len(t.pop("id")) for t in themes] == [10, 10]  # the stable id shards name the theme by
    proma_count = load_document(PROMA).text.count("sanctions")
    assert themes == [
        {"name": "arms", "colour": PALETTE[1], "description": "", "counts": {str(PROMA.resolve()): proma_count},
         "total": proma_count},
        {"name": "Sanctions", "colour": PALETTE[0], "description": "UN measures",
         "counts": {str(ASMOLOV.resolve()): 8, str(PROMA.resolve()): proma_count}, "total": 8 + proma_count},
    ]  # fmt: skip
    table = cli("themes", *store_arg).out.splitlines()
    assert re.split(r"\s{2,}", table[0]) == ["THEME", "COLOUR", "TOTAL", "PER DOCUMENT", "DESCRIPTION"]
    assert table[2].startswith(f"Sanctions  {PALETTE[0]}  {8 + proma_count}")
    assert table[2].endswith("UN measures")


# -- theme actions ---------------------------------------------------------------------------------------------------
def test_theme_rename_merge_recolour(cli, store_arg: list[str], write_doc) -> None:
    path = write_doc("d.txt", "alpha beta gamma\n")
    cli("tag", path, "--match", "alpha", "--theme", "a", *store_arg)
    cli("tag", path, "--match", "beta", "--theme", "b", "--theme", "c", *store_arg)
    assert cli("theme", "rename", " A ", "Alpha", *store_arg).out == "renamed 'A' to 'Alpha'\n"
    assert [a["themes"] for a in listing(cli, store_arg)] == [["Alpha"], ["b", "c"]]
    assert cli("theme", "merge", "b", "c", "--into", "Alpha", *store_arg).out == "merged 'b', 'c' into 'Alpha'\n"
    assert [a["themes"] for a in listing(cli, store_arg)] == [["Alpha"], ["Alpha"]]
    assert cli("theme", "recolour", "alpha", "#112233", *store_arg).out == "'Alpha' is now #112233\n"
    assert [(t["name"], t["colour"]) for t in json.loads(cli("themes", "--format", "json", *store_arg).out)] == [
        ("Alpha", "#112233")
    ]
    cli("tag", path, "--match", "gamma", "--theme", "g", *store_arg)
    clash = cli("theme", "rename", "Alpha", "G", *store_arg)
    assert (clash.code, clash.err) == (1, "marginalia: error: theme 'g' already exists; merge instead\n")
    missing = cli("theme", "rename", "nope", "y", *store_arg)
    assert (missing.code, missing.err) == (1, "marginalia: error: no theme named 'nope'\n")
    assert [a["themes"] for a in listing(cli, store_arg)] == [["Alpha"], ["Alpha"], ["g"]]


def test_theme_delete_needs_yes_without_a_terminal(cli, store_arg: list[str], store_path: Path, write_doc) -> None:
    path = write_doc("d.txt", "alpha beta\n")
    cli("tag", path, "--match", "alpha", "--theme", "gone", *store_arg)
    cli("tag", path, "--match", "beta", "--theme", "gone", "--theme", "kept", *store_arg)
    before = store_path.read_bytes()
    refused = cli("theme", "delete", "gone", *store_arg)
    assert (refused.code, refused.err) == (
        1, "marginalia: error: theme 'gone' not deleted (pass --yes to delete without asking)\n",
    )  # fmt: skip
    assert store_path.read_bytes() == before
    done = cli("theme", "delete", "GONE", "--yes", *store_arg)
    assert (done.code, done.out) == (0, "deleted theme 'gone' (2 annotations changed)\n")
    assert [(a["quote"], a["themes"]) for a in listing(cli, store_arg)] == [("alpha", []), ("beta", ["kept"])]
    assert [t["name"] for t in json.loads(cli("themes", "--format", "json", *store_arg).out)] == ["kept"]


def test_delete_an_annotation(cli, store_arg: list[str], write_doc) -> None:
    path = write_doc("d.txt", "alpha beta\n")
    cli("tag", path, "--match", "a", "--theme", "t", *store_arg)
    first, second, third = listing(cli, store_arg)
    assert cli("delete", first["id"], *store_arg).out == f"deleted {first['id'][:8]} ('a')\n"
    assert cli("delete", second["id"][:6], *store_arg).code == 0
    missing = cli("delete", first["id"], *store_arg)
    assert (missing.code, missing.err) == (1, f"marginalia: error: no annotation with id '{first['id']}'\n")
    assert [a["id"] for a in listing(cli, store_arg)] == [third["id"]]


# -- the store option ---------------------------------------------------------------------------------------------
def test_store_before_or_after_the_command(cli, store_path: Path, write_doc) -> None:
    path = write_doc("d.txt", "word\n")
    assert cli("--store", store_path, "tag", path, "--match", "word", "--theme", "t").code == 0
    assert len(json.loads(cli("list", "--format", "json", "--store", store_path).out)) == 1
    assert len(json.loads(cli("--store", store_path, "list", "--format", "json").out)) == 1
    assert json.loads(cli("list", "--format", "json").out) == []  # the default store is another one


def test_the_environment_variable_chooses_the_store(
    cli, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, write_doc
) -> None:
    env_store = tmp_path / "from-env" / "deep" / "store.json"
    monkeypatch.setenv("MARGINALIA_STORE", str(env_store))
    assert cli("tag", write_doc("d.txt", "word\n"), "--match", "word", "--theme", "t").code == 0
    assert len(read_store(env_store)["annotations"]) == 1


def test_without_option_or_variable_the_user_data_folder(
    cli, isolated_env: Path, monkeypatch: pytest.MonkeyPatch, write_doc
) -> None:
    monkeypatch.delenv("MARGINALIA_STORE")
    assert cli("tag", write_doc("d.txt", "word\n"), "--match", "word", "--theme", "t").code == 0
    stores = list(isolated_env.rglob("annotations.json"))
    assert [p.parent.name for p in stores] == ["marginalia"]


# -- help, usage and errors --------------------------------------------------------------------------------------------
def command_paths(parser: argparse.ArgumentParser, prefix: tuple[str, ...] = ()) -> list[tuple[str, ...]]:
    paths = [prefix]
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for name, sub in action.choices.items():
                paths.extend(command_paths(sub, (*prefix, name)))
    return paths


COMMANDS = command_paths(build_parser())


def test_the_commands_the_issue_names_exist() -> None:
    assert set(COMMANDS) >= {
        (), ("read",), ("tag",), ("list",), ("themes",), ("theme",), ("theme", "rename"), ("theme", "merge"),
        ("theme", "describe"), ("theme", "delete"), ("delete",),
    }  # fmt: skip


@pytest.mark.parametrize("command", COMMANDS, ids=[" ".join(c) or "marginalia" for c in COMMANDS])
def test_every_command_has_help_and_takes_store(cli, command: tuple[str, ...]) -> None:
    result = cli(*command, "--help")
    assert (result.code, result.err) == (0, "")
    assert result.out.startswith(f"usage: {' '.join(('marginalia', *command))}")
    assert "--store PATH" in result.out


@pytest.mark.parametrize(
    "args",
    [["list", "--format", "xml"], ["tag", "x.txt", "--theme", "t"], ["tag", "x.txt", "--match", "m"],
     ["list", "--bogus"], ["theme"], ["theme", "merge", "a"], ["delete"], ["themes", "extra"]],
)  # fmt: skip
def test_usage_errors_exit_2_with_one_line(cli, args: list[str]) -> None:
    result = cli(*args)
    assert result.code == 2
    assert result.out == ""
    lines = result.err.strip().splitlines()
    assert "usage error:" in lines[-1] and lines[-1].endswith("(see --help)")
    assert len(lines) == 1, result.err


@pytest.mark.parametrize(
    "args, message",
    [(["tag", "{missing}", "--match", "a", "--theme", "t"], "{missing}: no such file"),
     (["tag", "{binary}", "--match", "a", "--theme", "t"], "{binary}: looks like a binary file"),
     (["tag", "{folder}", "--match", "a", "--theme", "t"], "{folder}: is a folder"),
     (["tag", "{text}", "--match", "a", "--theme", " "], "a theme name cannot be empty"),
     (["tag", "{text}", "--match", "a", "--theme", "t", "--encoding", "nope"], "{text}: unknown encoding 'nope'"),
     (["list", "--store", "{text}/inside.json"], "{text}/inside.json: cannot read the store (Not a directory)"),
     (["list", "--store", "{folder}"], "{folder}: is a folder, not a store file"),
     (["theme", "describe", "nope", "x"], "no theme named 'nope'"),
     (["theme", "recolour", "nope", "#000000"], "no theme named 'nope'"),
     (["theme", "delete", "nope", "--yes"], "no theme named 'nope'")],
)  # fmt: skip
def test_failures_exit_1_with_one_line_naming_the_path(
    cli, tmp_path: Path, write_doc, args: list[str], message: str
) -> None:
    names = {
        "missing": str(tmp_path / "missing.txt"),
        "binary": str(write_doc("b.bin", bytes(range(256)))),
        "folder": str(tmp_path),
        "text": str(write_doc("t.txt", "a text")),
    }
    result = cli(*[a.format(**names) for a in args])
    assert (result.code, result.out) == (1, "")
    assert result.err == f"marginalia: error: {message.format(**names)}\n"


# -- damaged stores through the command line -----------------------------------------------------------------
@pytest.mark.parametrize(
    "args",
    [["list"], ["list", "--format", "json"], ["themes"], ["tag", "{text}", "--match", "a", "--theme", "t"],
     ["theme", "rename", "a", "b"], ["theme", "delete", "a", "--yes"], ["delete", "abcd"]],
)  # fmt: skip
@pytest.mark.parametrize(
    "raw", [b"", b"{not json", b'{"meta": {"1": {"schema": 1}}, "meta": {}}'], ids=["empty", "invalid", "duplicate"]
)
def test_a_damaged_store_is_left_byte_identical_by_every_command(
    cli, store_path: Path, write_doc, args: list[str], raw: bytes
) -> None:
    store_path.parent.mkdir(parents=True)
    store_path.write_bytes(raw)
    backup_paths(store_path)[0].write_bytes(b"{}")
    text = str(write_doc("t.txt", "a text"))
    result = cli(*[a.format(text=text) for a in args], "--store", store_path)
    assert (result.code, result.out) == (1, "")
    assert result.err.startswith(f"marginalia: error: {store_path}: the store is damaged (")
    assert result.err.endswith(f"; it was left as it was; backups: {backup_paths(store_path)[0]}\n")
    assert result.err.count("\n") == 1
    assert store_path.read_bytes() == raw
    assert sorted(p.name for p in store_path.parent.iterdir()) == ["annotations.json", "annotations.json.bak-1"]


def test_the_installed_command_prints_no_traceback(tmp_path: Path) -> None:
    """Through a real interpreter, as a user runs it: one line on stderr, exit 1."""
    (tmp_path / "s.json").write_bytes(b"[")
    result = marginalia("list", "--store", str(tmp_path / "s.json"))
    assert result.returncode == 1
    assert result.stdout == b""
    err = result.stderr.decode()
    assert err.startswith(f"marginalia: error: {tmp_path / 's.json'}: the store is damaged (not valid JSON")
    assert err.count("\n") == 1 and "Traceback" not in err


def marginalia(*args: str, **env: str) -> subprocess.CompletedProcess[bytes]:
    return run_python("import sys; from tui.cli import main; sys.exit(main())", *args, **env)


def test_a_terminal_that_cannot_show_the_text_gets_escapes_not_a_failure(tmp_path: Path, write_doc) -> None:
    """Under an ASCII or Latin-1 terminal encoding a command that changed the store must not then fail (exit 1)
    printing about it; JSON stays UTF-8, as JSON must be."""
    store = ["--store", str(tmp_path / "s.json")]
    path = str(write_doc("ru.txt", "Привет мир\n"))
    tagged = marginalia("tag", path, "--match", "мир", "--theme", "Тема", *store, PYTHONIOENCODING="ascii")
    assert (tagged.returncode, tagged.stderr) == (0, b"")
    assert (
        tagged.stdout
        == rb"created 1 highlight of '\u043c\u0438\u0440' in '\u041f\u0440\u0438\u0432\u0435\u0442 \u043c\u0438\u0440'"
        + b"\n"
    )
    table = marginalia("list", *store, PYTHONIOENCODING="latin-1")
    assert table.returncode == 0 and rb"\u0422\u0435\u043c\u0430" in table.stdout
    as_json = marginalia("list", "--format", "json", *store, PYTHONIOENCODING="ascii")
    assert as_json.returncode == 0
    assert [(a["quote"], a["themes"]) for a in json.loads(as_json.stdout.decode("utf-8"))] == [("мир", ["Тема"])]


@pytest.mark.parametrize("command", [["read"], []], ids=["read", "bare"])
def test_paths_the_reader_cannot_open_are_one_line_errors(cli, tmp_path: Path, write_doc, command: list[str]) -> None:
    empty = tmp_path / "empty"
    empty.mkdir()
    binary = write_doc("b.bin", bytes(range(256)))
    for path, problem in [(empty, "no text files in this folder"), (tmp_path / "nope.txt", "no such file"),
                          (binary, "looks like a binary file")]:  # fmt: skip
        result = cli(*command, path)
        assert (result.code, result.out, result.err) == (1, "", f"marginalia: error: {path}: {problem}\n")


def test_an_unreadable_document(cli, store_arg: list[str], write_doc, monkeypatch: pytest.MonkeyPatch) -> None:
    path = write_doc("secret.txt", "text")

    def refuse(path: Path, *args: object) -> int:
        raise PermissionError(13, "Permission denied", str(path))

    monkeypatch.setattr("tui.files.os.open", refuse)  # root reads any file: pretend
    result = cli("tag", path, "--match", "t", "--theme", "t", *store_arg)
    assert (result.code, result.out, result.err) == (
        1,
        "",
        f"marginalia: error: {path}: cannot read (Permission denied)\n",
    )


def test_the_seeds_are_one_document_each_wherever_they_lie(cli, store_arg: list[str], tmp_path: Path) -> None:
    """Issue 13, as a new user meets it: the reader (no arguments) opens the installed seeds while the README's
    ``marginalia tag seeds/...`` tags the clone's copy. One document per seed, in the reader and in exports."""
    import shutil

    from tui.document import seed_paths
    from tui.library import reconcile
    from tui.model import new_annotation
    from tui.store import Store, resolve_store_path

    clone = Path(shutil.copytree(ASMOLOV.parent, tmp_path / "clone" / "seeds"))
    assert cli("tag", clone / ASMOLOV.name, "--match", "sanctions", "--theme", "sanctions", *store_arg).code == 0
    assert cli("tag", clone / PROMA.name, "--match", "China", "--theme", "China's role", *store_arg).code == 0
    store = Store(resolve_store_path(store_arg[1]))
    installed = [load_document(p) for p in seed_paths()]  # what the reader opens
    reconcile(store, installed)
    asmolov = next(d for d in installed if d.path.name == ASMOLOV.name)
    assert asmolov.key == str((clone / ASMOLOV.name).resolve())  # its pane shows the clone's highlights
    store.add(new_annotation(asmolov, 0, 5, ["dates"]))  # a highlight made in the reader joins them
    assert cli("tag", ASMOLOV, "--match", "Pyongyang", "--theme", "place", *store_arg).code == 0
    assert len({a["document"]["path"] for a in listing(cli, store_arg)}) == 2
    export = cli("export", "--by", "document", *store_arg).out
    assert export.count("\n## Some comments on the Russian Defense Minister’s visit to North Korea") == 1
    assert export.count("\n## Sergei Shoigu") == 1
    w3c = json.loads(cli("export", "--format", "w3c", *store_arg).out)
    assert len({item["target"]["source"] for item in w3c["first"]["items"]}) == 2
    csv_paths = {row.split(",")[0] for row in cli("export", "--format", "csv", *store_arg).out.splitlines()[1:]}
    assert len(csv_paths) == 2
    themes = {t["name"]: t["counts"] for t in json.loads(cli("themes", "--format", "json", *store_arg).out)}
    assert all(len(counts) == 1 for counts in themes.values()) and set(themes) >= {"dates", "place", "sanctions"}
    seen = store.paths_seen()[asmolov.fingerprint]
    assert set(seen) == {str((clone / ASMOLOV.name).resolve()), str(asmolov.path)}


@pytest.mark.parametrize("count", [0, 1, 999, 1000, 1001, 2500])
def test_list_json_is_streamed_byte_for_byte_as_the_whole_list(count: int, capsysbinary) -> None:
    """``list --format json`` writes a thousand annotations at a time: the bytes are the whole list's, unsafe
    characters escaped in every chunk."""
    from tui.cli import _print_json, _print_json_list

    items = [{"n": n, "quote": f"a\u202eb {n}\n", "themes": ["x"] * (n % 3), "empty": {}} for n in range(count)]
    _print_json(items)
    whole = capsysbinary.readouterr().out
    _print_json_list(iter(items))
    assert capsysbinary.readouterr().out == whole and b"\xe2\x80\xae" not in whole
    assert json.loads(whole) == items


@settings(derandomize=True, deadline=None)
@given(st.text(alphabet=st.sampled_from("ab  \t\n\r—…\x1b日\u0301\u200d"), max_size=200), st.integers(0, 20))
def test_a_table_cell_is_clipped_the_same_with_or_without_the_shortcut(text: str, width: int) -> None:
    """Short printable ASCII with single spaces is left as it is; everything else goes through ``_flat`` (of its
    start only, when that is enough to fill the cell)."""
    from tui.cli import _clip, _flat
    from tui.wording import cut

    assert _clip(text, width) == cut(_flat(text), width)


def test_a_folder_that_holds_the_store_opens_only_its_documents(cli, tmp_path: Path, write_doc) -> None:
    """A team keeps the store in the corpus (its git repository): opening or searching the folder leaves out the
    store's codebook, shards, lock, backups and text snapshots, which are JSON and text files too; the store in
    use, and any other known by its shard folder."""
    doc = write_doc("corpus/a.txt", "sanctions here")
    store = doc.parent / "annotations.json"
    assert cli("tag", doc, "--match", "sanctions", "--theme", "sanctions", "--store", store).code == 0
    (doc.parent / "snapshots").mkdir()
    (doc.parent / "snapshots" / "b.txt").write_text("sanctions, extracted", encoding="utf-8")
    (doc.parent / "annotations.json.bak-1").write_text('{"sanctions": 1}', encoding="utf-8")
    assert sorted(p.name for p in doc.parent.iterdir()) == [
        "a.txt", "annotations.json", "annotations.json.bak-1", "annotations.json.d", "annotations.json.lock",
        "snapshots",
    ]  # fmt: skip
    found = json.loads(cli("search", "sanctions", doc.parent, "--store", store, "--format", "json").out)
    assert [hit["path"] for hit in found] == [str(doc.resolve())]
    elsewhere = json.loads(
        cli("search", "sanctions", doc.parent, "--store", tmp_path / "s.json", "--format", "json").out
    )
    assert [hit["path"] for hit in elsewhere] == [str(doc.resolve())]  # another's store: known by its shard folder
    (doc.parent / "annotations.json.d").rename(doc.parent / "moved")  # no shard folder beside it: plain files
    plain = json.loads(cli("search", "sanctions", doc.parent, "--store", tmp_path / "s.json", "--format", "json").out)
    assert len({hit["path"] for hit in plain}) > 2
    only = tmp_path / "only"
    assert cli("tag", doc, "--match", "here", "--theme", "t", "--store", only / "annotations.json").code == 0
    result = cli("read", only, "--store", only / "annotations.json")
    assert (result.code, result.err) == (1, f"marginalia: error: {only}: no text files in this folder\n")
