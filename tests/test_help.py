"""The ``?`` screen lists marginalia's own keys by task, each with what it does, and the README's key table, the
screen and the bindings name the same keys: one source (the bindings), checked here.

Adding a key to the reader? These tests say what to add where: the binding's id in a task of ``TASKS``
(tui/ui/keys.py) and a row in the key table of README's "The reader" section.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from screen import screen
from textual.command import CommandPalette
from textual.keys import _normalize_key_list
from textual.widgets import Input

from tui import config
from tui.document import load_paths
from tui.store import Store
from tui.ui import keys
from tui.ui.app import MarginaliaApp
from tui.ui.help import HelpScreen

README = Path(__file__).resolve().parent.parent / "README.md"
PALETTE_KEY = MarginaliaApp.COMMAND_PALETTE_BINDING  # Textual's, listed with ours: users reach for it
WORDS = {"arrows": ["up", "down", "left", "right"]}  # what the README says in words


def reader_keys() -> dict[str, set[str]]:
    """Each key the reader binds (as Textual spells it) and the ids bound to it."""
    rooms = {room.BINDING_GROUP_TITLE for room in keys.reader_rooms()}
    found: dict[str, set[str]] = {}
    for key in keys.all_keys():
        if key.room in rooms:
            for k in key.keys:
                found.setdefault(k, set()).add(key.id)
    return found


def readme_table() -> list[str]:
    """The first column of the reader's key table in the README."""
    text = README.read_text(encoding="utf-8")
    section = text[text.index("\n## The reader") :]
    table = section[section.index("| key | action |") :]
    rows = []
    for line in table.splitlines()[2:]:
        if not line.startswith("|"):
            break
        rows.append(line.split("|")[1])
    return rows


def readme_keys() -> set[str]:
    found: set[str] = set()
    movements = {k for k, ids in reader_keys().items() if any(i.startswith("select-") for i in ids)}
    for cell in readme_table():
        for token in re.findall(r"`([^`]+)`", cell):
            found.update(_normalize_key_list(token).split(","))
        for word, names in WORDS.items():
            if word in cell:
                found.update(names)
        if "shift + movement" in cell:
            found.update(movements)
    return found


def test_the_readme_key_table_names_every_key_of_the_reader() -> None:
    bound = reader_keys()
    listed = readme_keys()
    missing = {k: sorted(ids) for k, ids in bound.items() if k not in listed}
    assert not missing, (
        f"README.md, section 'The reader': the key table has no row for {missing}; add one "
        "(| `key` | what it does |) for each"
    )
    unknown = listed - bound.keys() - {PALETTE_KEY}
    assert not unknown, f"README.md's key table names {sorted(unknown)}, which no binding of the reader has"


def test_every_reader_key_has_a_task_in_the_help() -> None:
    rooms = {room.BINDING_GROUP_TITLE for room in keys.reader_rooms()}
    ids = {key.id for key in keys.all_keys() if key.room in rooms}
    tasked = [i for task in keys.TASKS.values() for i in task]
    untasked = ids - set(tasked)
    assert not untasked, f"add {sorted(untasked)} to a task of TASKS in tui/ui/keys.py (what the ? screen groups by)"
    assert not set(tasked) - ids, f"TASKS in tui/ui/keys.py names ids no binding has: {sorted(set(tasked) - ids)}"
    assert len(tasked) == len(set(tasked)), "an id is in two tasks of TASKS"
    assert list(keys.TASKS)[:5] == ["Read", "Select", "Highlight", "Panels", "Export"]


@pytest.fixture
def app(write_doc, store_path: Path) -> MarginaliaApp:
    return MarginaliaApp(load_paths([write_doc("a.txt", "One sentence. Two.\n")]), Store(store_path))


async def pages(app: MarginaliaApp, pilot) -> str:
    """Every row the help shows, page by page down to its end (not only its first screen)."""
    scroller = app.screen.query_one("#sections")
    seen = list(screen(app).rows)
    while scroller.scroll_y < scroller.max_scroll_y:
        await pilot.press("pagedown")
        await pilot.pause()
        seen += screen(app).rows
    return "\n".join(seen)


async def test_question_mark_shows_the_keys_by_task_and_escape_closes_it(app: MarginaliaApp) -> None:
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("question_mark")
        await pilot.pause()
        assert isinstance(app.screen, HelpScreen)
        titles = [str(label.render()) for label in app.screen.query(".section")]
        assert titles[:6] == ["Read", "Select", "Highlight", "Panels", "Export", "Other"]
        shown = "\n".join(screen(app).rows)
        for words in ("Keys", "Read", "Up a row", "esc close"):
            assert words in shown
        everything = await pages(app, pilot)
        for words in ("Highlight the selection", "Export annotations", "Themes panel", "Rename the theme"):
            assert words in everything
        for inherited in ("Page Left", "Focus Next", "Scroll Home"):  # Textual's, not marginalia's
            assert inherited not in everything
        await pilot.press("escape")
        await pilot.pause()
        assert not isinstance(app.screen, HelpScreen)
        await pilot.press("question_mark")
        await pilot.press("question_mark")  # ? closes it too
        await pilot.pause()
        assert not isinstance(app.screen, HelpScreen)


async def test_the_help_lists_every_reader_key_with_what_it_does(app: MarginaliaApp) -> None:
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("question_mark")
        await pilot.pause()
        sections = dict(keys.help_sections(app))
        rows = [row for task in keys.TASKS for row in sections[task]]
        shown = {k for keys_shown, _ in rows for k in keys_shown}
        for key, ids in reader_keys().items():
            display = app.get_key_display(keys.all_keys()[0].binding.with_key(key, key_display=None))
            assert display in shown, f"the ? screen does not list {key} ({sorted(ids)})"
        assert ("?", "Show the keys") in [(k[0], d) for k, d in rows]
        assert "Themes panel" in sections and ("r", "Rename the theme (a parent: its subtree)") in [
            (k[0], d) for k, d in sections["Themes panel"]
        ]  # a panel's keys, by room
        assert all(description for _, description in rows)


async def test_the_help_is_readable_at_80x24_and_scrolls_to_the_end(app: MarginaliaApp) -> None:
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("question_mark")
        await pilot.pause()
        scroller = app.screen.query_one("#sections")
        assert scroller.region.right <= 80 and scroller.region.bottom <= 24
        for label in app.screen.query(".rows"):
            assert label.size.width <= 80
        await pilot.press("end")
        await pilot.pause()
        assert scroller.scroll_y == scroller.max_scroll_y > 0
        last_room = list(dict(keys.help_sections(app)))[-1]
        assert last_room in "\n".join(screen(app).rows)


async def test_the_help_shows_remapped_keys(config_file_with_keymap: Path, write_doc, store_path: Path) -> None:
    app = MarginaliaApp(load_paths([write_doc("a.txt", "Text.\n")]), Store(store_path), settings=config.load())
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("question_mark")
        await pilot.pause()
        rows = dict((description, shown) for _, section in keys.help_sections(app) for shown, description in section)
        assert rows["Highlight the selection (or the sentence at the cursor) and tag it"] == ["H"]


@pytest.fixture
def config_file_with_keymap(isolated_env: Path) -> Path:
    path = config.config_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text('[keymap]\nhighlight = "H"\n')
    return path


async def test_the_palette_opens_this_help_not_textuals(app: MarginaliaApp) -> None:
    async with app.run_test(size=(80, 24)) as pilot:
        commands = {command.title: command for command in app.get_system_commands(app.screen)}
        commands["Keys"].callback()
        await pilot.pause()
        assert isinstance(app.screen, HelpScreen)


async def test_the_palette_never_calls_the_colour_scheme_a_theme(app: MarginaliaApp) -> None:
    """Textual calls its colour schemes "themes"; in marginalia a theme is what you code with."""
    async with app.run_test(size=(80, 24)) as pilot:
        commands = {command.title: command for command in app.get_system_commands(app.screen)}
        assert "Theme" not in commands
        assert "not the themes you code with" in commands["Colour scheme"].help
        assert "coding themes" in commands["Themes"].help
        commands["Colour scheme"].callback()
        await pilot.pause()
        assert isinstance(app.screen, CommandPalette)
        assert app.screen.query_one(Input).placeholder == "Search for a colour scheme…"


async def test_a_key_typed_right_after_the_question_mark_scrolls_the_help(app: MarginaliaApp) -> None:
    from textual.events import Key

    async with app.run_test(size=(80, 24)) as pilot:
        for key, character in (("question_mark", "?"), ("pagedown", None)):  # one read of the terminal
            app.post_message(Key(key, character))
        for _ in range(3):
            await pilot.pause()
        scroller = app.screen.query_one("#sections")
        assert isinstance(app.screen, HelpScreen) and scroller.scroll_y > 0
