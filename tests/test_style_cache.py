"""The first screen's styles kept between starts (tui/ui/style_cache.py): the next start gets the very rules the
last one parsed, and anything else (an edited style, another colour scheme, a damaged file) is parsed afresh."""

from __future__ import annotations

from pathlib import Path

import pytest
from textual.css.stylesheet import Stylesheet

from tui.ui.style_cache import StyleCache, cache_path

CSS = "Pane { border: round $accent; } Pane:focus-within { border: round $primary; } #panes { height: 1fr; }"
VARIABLES = {"accent": "#ffa62b", "primary": "#0178d4"}


def parsed(cache: StyleCache, css: str = CSS, variables: dict[str, str] = VARIABLES) -> Stylesheet:
    stylesheet = Stylesheet(variables=variables)
    cache.install(stylesheet)
    stylesheet.add_source(css, read_from=("pane.tcss", ""))
    stylesheet.parse()
    return stylesheet


def shown(stylesheet: Stylesheet) -> list[str]:
    return [rule.css for rule in stylesheet.rules]


def test_the_next_start_gets_the_rules_this_one_parsed(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "styles.pickle"
    first = StyleCache(path)
    expected = shown(parsed(first))
    first.save()
    assert path.exists()
    second = StyleCache(path)
    calls = []
    monkeypatch.setattr("textual.css.stylesheet.parse", lambda *a, **k: calls.append(a) or iter(()))
    assert shown(parsed(second)) == expected and "#FFA62B" in " ".join(expected)
    assert calls == [] and not second.parsed  # read back, not parsed
    second.save()  # nothing new: the file is left as it is
    assert StyleCache(path).kept.keys() == first.used.keys()


def test_an_edited_style_or_another_colour_scheme_is_parsed_afresh(tmp_path: Path) -> None:
    path = tmp_path / "styles.pickle"
    first = StyleCache(path)
    parsed(first)
    first.save()
    edited = CSS.replace("1fr", "2fr")
    assert "height: 2fr" in " ".join(shown(parsed(StyleCache(path), edited)))
    other = dict(VARIABLES, accent="#00ff00")
    rules = shown(parsed(StyleCache(path), CSS, other))
    assert "#00FF00" in " ".join(rules).upper() and "#FFA62B" not in " ".join(rules).upper()


def test_a_damaged_or_unwritable_cache_is_only_a_slower_start(tmp_path: Path) -> None:
    path = tmp_path / "styles.pickle"
    path.write_bytes(b"\x80\x05not a pickle")
    cache = StyleCache(path)
    assert cache.kept == {} and shown(parsed(cache)) == shown(parsed(StyleCache(tmp_path / "none")))
    cache.save()  # written again, whole
    assert StyleCache(path).kept.keys() == cache.used.keys()
    blocked = tmp_path / "file"
    blocked.write_text("")
    cache = StyleCache(blocked / "styles.pickle")  # its folder cannot be made
    parsed(cache)
    cache.save()
    assert not (blocked / "styles.pickle").exists()


def test_the_cache_is_the_users_and_named_by_the_textual_installed(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("XDG_CACHE_HOME", "/somewhere")
    path = cache_path()
    assert path.parent == Path("/somewhere/marginalia") and path.name.startswith("styles-")
    assert cache_path() == path  # the same Textual: the same file


async def test_the_first_screen_is_the_same_with_the_rules_read_back(tmp_path: Path) -> None:
    from tui.document import load_paths, seed_paths
    from tui.store import Store
    from tui.ui.app import MarginaliaApp

    screens, read = [], []
    for _ in range(2):
        app = MarginaliaApp(load_paths(seed_paths()), Store(tmp_path / "s.json"))
        read.append(len(app._styles.kept))
        async with app.run_test(size=(160, 45)) as pilot:
            await pilot.pause()
            screens.append(app.export_screenshot())
    assert read[0] == 0 and read[1] > 10  # (the second start's parsing: tests/test_start.py)
    assert screens[0] == screens[1]
