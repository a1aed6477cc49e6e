"""Memos on a theme, a document and the project: the store's own table, the command line with a real (fake)
$EDITOR, the Markdown export, and the in-app editor driven with the pilot and checked on what is drawn."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest
from conftest import ASMOLOV, PROMA, annotation, child_env
from markdown_it import MarkdownIt

from tui.document import load_paths
from tui.export import memo_markdown, render_store
from tui.history import History, MemoEdited, ThemesChanged
from tui.memos import MemoKey
from tui.storage import StoreError
from tui.store import Store
from tui.ui.app import MarginaliaApp
from tui.ui.memo import MemoScreen

HOSTILE = "# Findings\n\nAsmolov \x1b]52;c;aGk=\x07 hedges \u202e <script>alert(1)</script> [x](javascript:1)\n"


def drawn(app: MarginaliaApp) -> str:
    return "\n".join("".join(s.text for s in strip) for strip in app.screen._compositor.render_strips())


# -- the store ---------------------------------------------------------------------------------------------------------
def test_memos_are_one_write_each_and_follow_renames_and_merges(store: Store) -> None:
    store.add_many([annotation(themes=["sanctions/UN"]), annotation(6, 9, themes=["China"])])
    theme, doc, project = MemoKey("theme", "Sanctions"), MemoKey("document", "/doc.txt"), MemoKey("project")
    assert store.memo(theme) == ""
    assert store.set_memo(theme, "on sanctions\n") == ""
    store.set_memo(doc, "on the document")
    store.set_memo(project, "the whole project")
    assert store.memo(MemoKey("theme", "sanctions")) == "on sanctions\n"  # one memo per node, whatever the case
    assert Store(store.path).memos() == {MemoKey("theme", "Sanctions"): "on sanctions\n", doc: "on the document",
                                         project: "the whole project"}  # fmt: skip
    store.set_memo(MemoKey("theme", "sanctions/UN"), "the UN's")
    store.rename_theme("sanctions", "measures")  # the subtree's memos move with it
    assert store.memo(MemoKey("theme", "measures")) == "on sanctions\n"
    assert store.memo(MemoKey("theme", "measures/UN")) == "the UN's"
    assert store.memo(theme) == ""
    store.set_memo(MemoKey("theme", "China"), "China's")
    store.merge_themes(["China"], "measures/UN")
    assert store.memo(MemoKey("theme", "measures/UN")) == "the UN's\n\nChina's\n"
    store.set_memo(project, "  \n")  # blank: gone
    assert project not in store.memos()
    with pytest.raises(StoreError, match="changed elsewhere"):
        store.set_memo(doc, "mine", expect="what I saw")
    assert store.memo(doc) == "on the document"


def test_undo_of_a_memo_edit_and_of_a_rename_puts_memos_back(store: Store) -> None:
    store.add(annotation(themes=["sanctions"]))
    history = History()
    key = MemoKey("theme", "sanctions")
    for change in (MemoEdited(key, "first"), MemoEdited(key, "second")):
        change.apply(store)
        history.record(change)
    rename = ThemesChanged("rename", ["sanctions"], "measures")
    rename.apply(store)
    history.record(rename)
    assert store.memo(MemoKey("theme", "measures")) == "second"
    history.undo(store)
    assert store.memo(key) == "second" and store.memo(MemoKey("theme", "measures")) == ""
    history.undo(store)
    assert store.memo(key) == "first"
    history.redo(store)
    assert store.memo(key) == "second"


def test_a_damaged_memo_record_is_a_damaged_store(store_path: Path, cli) -> None:
    store_path.parent.mkdir(parents=True)
    store_path.write_text('{"meta": {"1": {"schema": 3}}, "memos": {"1": {"kind": "theme", "name": "", "text": "x", '
                          '"updated": "2026-01-01T00:00:00Z"}}}')  # fmt: skip
    result = cli("memo", "show", "--store", store_path)
    assert result.code == 1 and "memo record 1" in result.err and result.err.count("\n") == 1


# -- the command line with $EDITOR --------------------------------------------------------------------------------------
def fake_editor(tmp_path: Path, body: str, status: int = 0) -> str:
    """A script that appends ``body`` (printf escapes) to the file it is given last and exits with ``status``."""
    script = tmp_path / "fake editor.sh"
    script.write_text(f"#!/bin/sh\nfor last; do :; done\nprintf '{body}' >> \"$last\"\nexit {status}\n")
    script.chmod(script.stat().st_mode | stat.S_IXUSR)
    return f"'{script}' --wait"  # quoted as a shell would, with an option: split like $EDITOR is


def test_memo_edit_in_editor_then_show_and_export(cli, store_path: Path, tmp_path: Path, monkeypatch) -> None:
    assert cli("tag", ASMOLOV, "--match", "sanctions", "--theme", "sanctions/UN", "--store", store_path).code == 0
    monkeypatch.setenv("EDITOR", fake_editor(tmp_path, "# Findings\\n\\nAsmolov \\033[2J hedges.\\n"))
    monkeypatch.delenv("VISUAL", raising=False)
    assert cli("memo", "edit", "theme", "Sanctions", "--store", store_path).out == "memo on theme sanctions saved\n"
    assert cli("memo", "edit", "project", "--store", store_path).code == 0
    assert cli("memo", "edit", "doc", ASMOLOV, "--store", store_path).code == 0
    assert cli("memo", "edit", "theme", "sanctions", "--store", store_path).code == 0  # appends again
    shown = cli("memo", "show", "theme", "sanctions", "--store", store_path)
    assert shown.code == 0 and shown.out.count("Asmolov ␛[2J hedges.") == 2 and "\x1b" not in shown.out
    everything = cli("memo", "show", "--store", store_path).out
    assert everything.index("memo on the project") < everything.index("memo on theme sanctions")
    exported = cli("export", "--store", store_path).out
    assert exported.index("## Project memo") < exported.index("## Contents") < exported.index("### Theme: sanctions")
    assert "### Document: Some comments on the Russian Defense Minister’s visit to North Korea" in exported
    assert "\x1b" not in exported
    by_document = cli("export", "--by", "document", "--store", store_path).out
    section = by_document.split("## Some comments on the Russian", 1)[1]
    assert section.index("File: ") < section.index("### Findings") < section.index("> sanctions")


def test_memo_edit_failures_are_one_line_and_change_nothing(cli, store_path: Path, tmp_path: Path, monkeypatch) -> None:
    assert cli("tag", ASMOLOV, "--match", "sanctions", "--theme", "sanctions", "--store", store_path).code == 0
    monkeypatch.delenv("VISUAL", raising=False)
    monkeypatch.setenv("EDITOR", fake_editor(tmp_path, "lost words", status=3))
    failed = cli("memo", "edit", "project", "--store", store_path)
    assert (
        failed.code == 1
        and failed.err == "marginalia: error: the editor failed; the memo on the project is unchanged\n"
    )
    assert cli("memo", "show", "project", "--store", store_path).code == 1  # still none
    monkeypatch.setenv("EDITOR", str(tmp_path / "no such editor"))
    assert "cannot run the editor" in cli("memo", "edit", "project", "--store", store_path).err
    assert cli("memo", "edit", "theme", "no such", "--store", store_path).err.startswith("marginalia: error: no theme")
    assert cli("memo", "edit", "project", "extra", "--store", store_path).code == 2
    assert cli("memo", "edit", "doc", tmp_path / "nothing.txt", "--store", store_path).code == 1


def test_memo_edit_runs_the_installed_command_with_a_real_editor_process(store_path: Path, tmp_path: Path) -> None:
    import subprocess
    import sys

    scratch = tmp_path / "tmp"
    scratch.mkdir()
    env = child_env(EDITOR=fake_editor(tmp_path, "from a real process\\n"), MARGINALIA_STORE=str(store_path))
    env["TMPDIR"] = str(scratch)
    env.pop("VISUAL", None)
    run = [sys.executable, "-m", "tui", "memo"]
    assert subprocess.run([*run, "edit", "project"], env=env, capture_output=True, timeout=60).returncode == 0
    shown = subprocess.run([*run, "show", "project"], env=env, capture_output=True, timeout=60, text=True)
    assert shown.stdout == "from a real process\n"
    assert os.listdir(scratch) == []  # the editor's temporary file and its folder are gone


# -- the export's Markdown ---------------------------------------------------------------------------------------------
def test_a_memo_keeps_its_markdown_but_cannot_break_the_exports_outline() -> None:
    memo = "# Top\n\ntext <b>bold</b> `a <b> code`\n\nSetext\n===\n\n```\n# not a heading\n<i>\n"
    out = memo_markdown(memo, 2)
    tokens = MarkdownIt("commonmark").parse(out)
    headings = [t.tag for t in tokens if t.type == "heading_open"]
    assert headings == ["h3", "h3"]  # both below the section's h2
    assert not [t for t in tokens if t.type in ("html_block", "html_inline")]
    assert "`a <b> code`" in out and "# not a heading" in out  # code shown as it is
    assert out.endswith("```")  # the unclosed fence is closed
    rendered = MarkdownIt("commonmark").render(memo_markdown(HOSTILE, 2))
    assert "<script>" not in rendered and "\x1b" not in rendered and "\u202e" not in rendered


def test_export_prints_memos_only_for_what_it_covers(store: Store) -> None:
    store.add_many([annotation(themes=["sanctions"]), annotation(6, 9, themes=["China"], path="/other.txt")])
    store.set_memo(MemoKey("theme", "sanctions"), "memo S")
    store.set_memo(MemoKey("theme", "China"), "memo C")
    store.set_memo(MemoKey("document", "/other.txt"), "memo O")
    store.set_memo(MemoKey("project"), "memo P")
    whole = render_store(store)
    assert whole.index("memo P") < whole.index("## China") < whole.index("memo C") < whole.index("## sanctions")
    assert whole.index("## sanctions") < whole.index("memo S") < whole.index("## Memos") < whole.index("memo O")
    only = render_store(store, themes=["sanctions"])
    assert "memo S" in only and "memo P" in only and "memo C" not in only


# -- in the reader -------------------------------------------------------------------------------------------------------
async def test_theme_memo_written_in_the_app_is_saved_and_undoable(store_path: Path) -> None:
    store = Store(store_path)
    store.add(annotation(themes=["sanctions"], path=str(ASMOLOV)))
    app = MarginaliaApp(load_paths([ASMOLOV, PROMA]), store)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("t")
        await pilot.pause()
        await pilot.press("M")
        await pilot.pause()
        assert isinstance(app.screen, MemoScreen)
        assert "Memo on theme sanctions (Markdown)" in drawn(app)
        await pilot.press(*"Both sides", "enter", *"# Note")
        await pilot.press("ctrl+s")
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert Store(store_path).memo(MemoKey("theme", "sanctions")) == "Both sides\n# Note"
        assert "Themes" in drawn(app)  # back in the themes panel
        await pilot.press("escape", "u")
        await app.workers.wait_for_complete()
        assert Store(store_path).memo(MemoKey("theme", "sanctions")) == ""


async def test_document_memo_shows_hostile_text_as_data_and_escape_asks(store_path: Path) -> None:
    store = Store(store_path)
    documents = load_paths([ASMOLOV, PROMA])
    key = MemoKey("document", documents[0].key)
    store.set_memo(key, HOSTILE)
    app = MarginaliaApp(documents, store)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("M")
        await pilot.pause()
        screen = drawn(app)
        assert "Asmolov ␛]52;c;aGk=" in screen and "\x1b" not in screen and "\u202e" not in screen
        await pilot.press("ctrl+s")  # unchanged: nothing written, the original characters kept
        await pilot.pause()
        assert Store(store_path).memo(key) == HOSTILE
        await pilot.press("M")
        await pilot.pause()
        await pilot.press(*"more", "escape")
        await pilot.pause()
        assert "without saving" in drawn(app)
        await pilot.press("n")
        await pilot.pause()
        assert isinstance(app.screen, MemoScreen)  # kept editing
        await pilot.press("escape", "y")
        await pilot.pause()
        assert not isinstance(app.screen, MemoScreen) and Store(store_path).memo(key) == HOSTILE


async def test_project_memo_from_the_palette(store_path: Path) -> None:
    app = MarginaliaApp(load_paths([ASMOLOV, PROMA]), Store(store_path))
    async with app.run_test(size=(160, 45)) as pilot:
        await pilot.press("ctrl+p")
        await pilot.pause()
        await pilot.press(*"project memo")
        await pilot.pause(0.3)
        await pilot.press("enter")
        await pilot.pause()
        assert isinstance(app.screen, MemoScreen) and "Memo on the project" in drawn(app)
        await pilot.press(*"Two readings of one visit.", "ctrl+s")
        await app.workers.wait_for_complete()
        assert Store(store_path).memo(MemoKey("project")) == "Two readings of one visit."


def test_a_git_merge_keeps_memos_and_both_texts_of_one_rewritten_on_both_sides() -> None:
    from tui.gitmerge import merge_stores

    def side(**memos: str) -> dict:
        records = {str(n): {"kind": "theme", "name": name, "text": text, "updated": "2026-01-01T00:00:00Z"}
                   for n, (name, text) in enumerate(memos.items(), 1)}  # fmt: skip
        return {"meta": {"1": {"schema": 3}}, "themes": {}, "annotations": {}, "memos": records}

    base = side(sanctions="base", China="same")
    merged, report = merge_stores(base, side(sanctions="ours", China="same", arms="new"), side(sanctions="theirs"))
    texts = {r["name"]: r["text"] for r in merged["memos"].values()}
    assert texts == {"sanctions": "ours\n\n---\n\ntheirs\n", "arms": "new"}  # China: deleted there, unchanged here
    assert any("memo on theme sanctions" in line for line in report.lines())
