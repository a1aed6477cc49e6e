"""Pick up where you left off: the state file in the user state folder, and the reader restoring from it."""

from __future__ import annotations

from pathlib import Path

import pytest

from tui import state
from tui.document import load_paths
from tui.store import Store
from tui.ui.app import MarginaliaApp
from tui.ui.document_view import DocumentView
from tui.ui.export_dialog import ExportDialog

LONG = "\n".join(f"Line {n}: the reader scrolls through this document." for n in range(400)) + "\n"


def test_state_lives_in_the_user_state_folder_and_round_trips(isolated_env: Path) -> None:
    path = state.state_path()
    assert path == isolated_env / "xdg-state" / "marginalia" / "state.json"
    saved, problem = state.load()
    assert (saved.places, problem) == ({}, None)  # no file: a fresh start
    saved.places["/a.txt"] = state.Place("f" * 64, 120, 100)
    saved.colour_scheme, saved.sync_scroll = "nord", True
    saved.export = {"by": "document", "format": "w3c", "folder": "/tmp", "themes": "x"}
    state.save(saved)
    again, problem = state.load()
    assert problem is None
    assert (again.places, again.colour_scheme, again.sync_scroll, again.export) == (
        saved.places, "nord", True, saved.export,
    )  # fmt: skip


@pytest.mark.parametrize("content", [b"{not json", b"[1, 2]", b'{"places": {"/a": {"cursor": "x"}}}'])
def test_a_broken_state_file_is_one_problem_and_a_fresh_start(isolated_env: Path, content: bytes) -> None:
    path = state.state_path()
    path.parent.mkdir(parents=True)
    path.write_bytes(content)
    saved, problem = state.load()
    assert saved.places == {}
    assert problem is not None and problem.startswith(f"{path}: ")


def test_no_state_by_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    assert not state.disabled()
    monkeypatch.setenv(state.ENV_VAR, "1")
    assert state.disabled()


def first_row(view: DocumentView) -> str:
    return view.render_line(0).text.rstrip()


async def test_the_reader_reopens_where_it_was_left(write_doc, store_path: Path) -> None:
    path = write_doc("long.txt", LONG)
    app = MarginaliaApp(load_paths([path]), Store(store_path), state=state.load()[0])
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        await pilot.press("pagedown", "pagedown", "pagedown", "j", "w")
        await pilot.pause()
        view = app.query_one(DocumentView)
        before = (first_row(view), view.cursor, view.scroll_offset.y)
        assert view.scroll_offset.y > 0
        await pilot.press("s")  # synchronised scrolling on
        await app.action_quit()
    app = MarginaliaApp(load_paths([path]), Store(store_path), state=state.load()[0])
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        await pilot.pause()
        view = app.query_one(DocumentView)
        assert (first_row(view), view.cursor, view.scroll_offset.y) == before  # what is drawn is where it was
        assert app.sync_scroll is True


async def test_a_changed_document_starts_at_its_top(write_doc, store_path: Path) -> None:
    path = write_doc("long.txt", LONG)
    saved = state.load()[0]
    saved.places[str(path.resolve())] = state.Place("0" * 64, 5000, 4000)
    saved.places[load_paths([path])[0].key] = state.Place("0" * 64, 5000, 4000)
    app = MarginaliaApp(load_paths([path]), Store(store_path), state=saved)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        view = app.query_one(DocumentView)
        assert (view.cursor, view.scroll_offset.y) == (0, 0)


async def test_the_export_dialog_starts_from_the_last_choices(write_doc, store_path: Path, tmp_path: Path) -> None:
    out = tmp_path / "exports"
    out.mkdir()
    saved = state.load()[0]
    app = MarginaliaApp(load_paths([write_doc("a.txt", "Text.\n")]), Store(store_path), state=saved)
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.press("x")
        await pilot.pause()
        dialog = app.screen
        assert isinstance(dialog, ExportDialog)
        dialog.query_one("#w3c").value = True
        await pilot.pause()
        dialog.query_one("#file").value = str(out / "first.json")
        await pilot.press("enter")
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert saved.export["format"] == "w3c" and saved.export["folder"] == str(out)
        await app.action_quit()
    app = MarginaliaApp(load_paths([write_doc("a.txt", "Text.\n")]), Store(store_path), state=state.load()[0])
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.press("x")
        await pilot.pause()
        assert app.screen.query_one("#w3c").value is True
        assert app.screen.query_one("#file").value == str(out / "marginalia-export.json")


# -- the config file and the remembered state -------------------------------------------------------------------
def reader(write_doc, store_path: Path, config_text: str, scheme: str | None, sync: bool | None) -> MarginaliaApp:
    from tui import config

    path = config.config_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(config_text, encoding="utf-8")
    remembered, _ = state.load()
    remembered.colour_scheme, remembered.sync_scroll = scheme, sync
    return MarginaliaApp(
        load_paths([write_doc("a.txt", "Text.\n")]), Store(store_path), settings=config.load(), state=remembered
    )


@pytest.mark.parametrize(
    ("config_text", "expected"),
    [
        ('colour-scheme = "nord"\nsync-scroll = false\n', ("nord", False)),  # written in the file: it wins
        ("", ("gruvbox", True)),  # nothing in the file: what was chosen last
        ('colour-scheme = "no-such-scheme"\n', ("gruvbox", True)),  # nothing usable in the file: the same
    ],
)
async def test_a_config_setting_wins_over_the_remembered_choice(
    isolated_env: Path, write_doc, store_path: Path, config_text: str, expected: tuple[str, bool]
) -> None:
    app = reader(write_doc, store_path, config_text, "gruvbox", True)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        assert (app.theme, app.sync_scroll) == expected


async def test_choosing_another_scheme_in_the_app_says_the_config_file_wins_next_time(
    isolated_env: Path, write_doc, store_path: Path
) -> None:
    app = reader(write_doc, store_path, 'colour-scheme = "nord"\nsync-scroll = false\n', None, None)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        assert not [n for n in app._notifications if n.title == "Colour scheme"]  # the configured one: no notice
        app.theme = "gruvbox"
        await pilot.press("s")
        await pilot.pause()
        notices = [n.message for n in app._notifications]
        assert any("gruvbox until you quit" in n and "colour-scheme = 'nord'" in n for n in notices)
        assert any(n.startswith("Synchronised scrolling on until you quit") for n in notices)
