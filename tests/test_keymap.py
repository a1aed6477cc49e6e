"""The config file and the keymap: every binding has an id, the user's keys replace the defaults everywhere the
key is named (the binding, the footer, the hints, ``marginalia keys``), and a broken file never stops the reader."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tui import config
from tui.document import load_paths
from tui.store import Store
from tui.ui import keys
from tui.ui.app import MarginaliaApp
from tui.ui.dialogs import ThemeDialog
from tui.ui.panels import ThemesPanel


@pytest.fixture
def config_file(isolated_env: Path) -> Path:
    path = config.config_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    return path


def test_the_config_file_is_in_the_user_config_folder(isolated_env: Path, cli) -> None:
    assert config.config_path() == isolated_env / "xdg-config" / "marginalia" / "config.toml"
    result = cli("config", "path")
    assert (result.code, result.out, result.err) == (0, f"{config.config_path()}\n", "")


def test_settings_are_read(config_file: Path) -> None:
    config_file.write_text(
        'store = "~/notes/a.json"\ncolour-scheme = "nord"\ncoder = " Ann Reader "\nsync-scroll = true\n'
        '[keymap]\nhighlight = "H"\ntheme-delete = "x, delete"\n'
    )
    settings = config.load()
    assert settings.problems == []
    assert settings.store == Path("~/notes/a.json").expanduser()
    assert (settings.colour_scheme, settings.coder, settings.sync_scroll) == ("nord", "Ann Reader", True)
    assert settings.keymap == {"highlight": "H", "theme-delete": "x,delete"}


def test_a_missing_file_is_the_defaults(config_file: Path) -> None:
    settings = config.load()
    assert (settings.keymap, settings.problems, settings.coder) == ({}, [], None)


def test_each_bad_entry_is_one_problem_naming_the_file_and_the_entry(config_file: Path) -> None:
    config_file.write_text('sync-scroll = "yes"\ncolours = 1\n[keymap]\nhighlight = 5\nundo = "ctl+z"\nredo = "R"\n')
    settings = config.load()
    assert settings.keymap == {"redo": "R"}  # the good entry stays
    assert settings.sync_scroll is None
    assert len(settings.problems) == 4
    assert all(p.startswith(f"{config_file}: ") for p in settings.problems)
    joined = "\n".join(settings.problems)
    for entry in ("sync-scroll = 'yes'", "colours", "[keymap] highlight = 5", "[keymap] undo = 'ctl+z'"):
        assert entry in joined


def test_a_file_that_is_not_toml_is_one_problem(config_file: Path) -> None:
    config_file.write_text("[keymap\nhighlight = H\n")
    settings = config.load()
    assert settings.keymap == {}
    assert len(settings.problems) == 1
    assert settings.problems[0].startswith(f"{config_file}: not valid TOML")


@pytest.mark.parametrize("good", ["h", "H", "ctrl+r", "d,delete", "question_mark", "?", "shift+f5", "space"])
def test_keys_textual_understands(good: str) -> None:
    assert config.key_problem(good) is None


@pytest.mark.parametrize("bad", ["", "ctrl+", "hyper-x", "foo", "ctl+r", 3, ["h"]])
def test_keys_it_does_not(bad: object) -> None:
    assert config.key_problem(bad)


def test_every_binding_has_a_unique_id_and_words() -> None:
    found = keys.all_keys()
    ids = [k.id for k in found]
    assert len(ids) == len(set(ids)) > 50
    assert all(k.description and k.keys for k in found)


def test_an_unknown_id_is_a_problem_and_dropped(config_file: Path) -> None:
    config_file.write_text('[keymap]\nhighlite = "H"\nhighlight = "H"\n')
    keymap, problems = keys.checked_keymap(config.load())
    assert keymap == {"highlight": "H"}
    assert problems == [f"{config_file}: [keymap] highlite: no such key id (marginalia keys lists them); ignored"]


def test_marginalia_keys_lists_the_effective_keys(config_file: Path, cli) -> None:
    config_file.write_text('[keymap]\nhighlight = "H"\nnope = "x"\n')
    result = cli("keys", "--format", "json")
    assert result.code == 0
    listed = {k["id"]: k for k in json.loads(result.out)}
    assert set(listed["highlight"]) == {"id", "keys", "description"}
    assert listed["highlight"]["keys"] == ["H"]
    assert listed["redo"]["keys"] == ["ctrl+r"]
    assert listed["theme-delete"]["keys"] == ["d", "delete"]
    assert listed["help"]["keys"] == ["question_mark"]
    assert "[keymap] nope" in result.err  # the unknown id is said, once
    table = cli("keys")
    assert any(line.split()[:3] == ["Reader", "H", "highlight"] for line in table.out.splitlines())


async def test_a_remapped_key_works_and_is_shown(config_file: Path, write_doc, store_path: Path) -> None:
    config_file.write_text('[keymap]\nhighlight = "H"\ntheme-rename = "R"\n')
    app = MarginaliaApp(
        load_paths([write_doc("a.txt", "One sentence. Two.\n")]), Store(store_path), settings=config.load()
    )
    async with app.run_test(size=(100, 24)) as pilot:
        await pilot.pause()
        assert not app.setting_problems
        await pilot.press("h")  # no longer bound
        assert not isinstance(app.screen, ThemeDialog)
        footer = app.screen.query_one("Footer")
        assert "H" in [item.key_display for item in footer.query("FooterKey")]  # type: ignore[attr-defined]
        await pilot.press("H")
        assert isinstance(app.screen, ThemeDialog)
        await pilot.press("escape", "t")
        await pilot.pause()
        assert isinstance(app.screen, ThemesPanel)
        assert "R rename" in str(app.screen.query_one(".hint").render())


async def test_a_broken_config_still_starts_with_a_notice(config_file: Path, write_doc, store_path: Path) -> None:
    config_file.write_text('colour-scheme = "no-such-scheme"\n[keymap]\nhighlight = 7\n')
    app = MarginaliaApp(load_paths([write_doc("a.txt", "Text.\n")]), Store(store_path), settings=config.load())
    async with app.run_test(size=(100, 24)) as pilot:
        await pilot.pause()
        notices = [n.message for n in app._notifications]
        assert len([n for n in notices if str(config_file) in n]) == 2
        assert any("colour-scheme = 'no-such-scheme'" in n for n in notices)
        await pilot.press("h")  # the default key, kept for the broken entry
        assert isinstance(app.screen, ThemeDialog)


def test_every_class_with_bindings_is_a_room() -> None:
    """A new screen or widget with keys must join ``keys.rooms()`` (so its keys can be remapped and are listed)."""
    import importlib
    import pkgutil

    from textual.dom import DOMNode

    import tui.ui

    for info in pkgutil.iter_modules(tui.ui.__path__):
        importlib.import_module(f"tui.ui.{info.name}")
    found: set[type] = set()
    todo = [DOMNode]
    while todo:
        cls = todo.pop()
        todo += cls.__subclasses__()
        if cls.__module__.startswith("tui.") and vars(cls).get("BINDINGS"):
            found.add(cls)
    assert found and found <= set(keys.rooms()), found - set(keys.rooms())
