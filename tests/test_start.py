"""The reader's start does only what its first screen needs. Not timed (``tests/bench/`` times the start): these
are the causes of a slow start that were found and removed, checked so that they cannot come back unnoticed.

``marginalia`` on the seeds runs in a process of its own, headless, as the user starts it (``tui.cli.main``); at
its first frame it reports what it has imported and which styles it has parsed, and a moment later whether the
garbage collector is back on."""

from __future__ import annotations

import gc
import json
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import ASMOLOV

from tui.ui.app import OLD_GENERATION_EVERY

FIRST_FRAME = r"""
import gc, json, sys
from pathlib import Path
from textual.app import App

run = App.run
report = {}


def headless(self, *args, **kwargs):
    kwargs.update(headless=True, size=(160, 45))
    return run(self, *args, **kwargs)


def later(app):
    report["collecting"] = gc.isenabled()
    report["frozen"] = gc.get_freeze_count()
    report["thresholds"] = gc.get_threshold()
    app.exit()


def painted(self):
    if getattr(self, "_painted", False) or not (self.screen.is_mounted and len(self.screen.children)):
        return
    self._painted = True
    report["modules"] = sorted(sys.modules)
    report["collecting at the first frame"] = gc.isenabled()
    report["styles"] = [Path(path).name for (path, _), (_, default, _, _) in self.stylesheet.source.items()
                        if not default]
    report["widgets"] = [type(node).__name__ for node in self.screen.walk_children(with_self=True)]
    self.set_timer(0.3, lambda: later(self))


App.run = headless
App.post_display_hook = painted
import textual.css.stylesheet as stylesheet

parse, report["rules parsed"] = stylesheet.parse, 0


def counted(*args, **kwargs):
    for rule in parse(*args, **kwargs):
        report["rules parsed"] += 1
        yield rule


stylesheet.parse = counted
from tui.cli import main

main(["read", *sys.argv[1:]])
print(json.dumps(report))
"""

# What the first screen of the seeds never needs: other commands' and other screens' code, re-anchoring (it runs
# after the first frame), the extraction libraries, syntax colouring, the store's write lock, Textual widgets only
# dialogs use.
NEVER_AT_START = [
    "tui.agreement", "tui.export", "tui.w3c", "tui.gitmerge", "tui.reports", "tui.extracting", "tui.formats.pdf",
    "tui.compare", "tui.corpus", "tui.library", "tui.anchoring", "tui.relocate", "tui.review",
    "tui.ui.panels", "tui.ui.dialogs", "tui.ui.help", "tui.ui.compare", "tui.ui.memo", "tui.ui.export_dialog",
    "tui.ui.corpus_search", "tui.ui.syntax", "tui.ui.review",
    "pdfminer", "pygments", "lxml", "bs4", "ebooklib", "docx", "hypothesis", "filelock",
    "textual.widgets._text_area", "textual.widgets._data_table", "textual.widgets._selection_list",
    "textual.widgets._progress_bar", "textual.widgets._checkbox",
]  # fmt: skip


@pytest.fixture(scope="module")
def env(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    home = tmp_path_factory.mktemp("start")
    return {
        "HOME": str(home), "XDG_CONFIG_HOME": str(home / "config"), "XDG_STATE_HOME": str(home / "state"),
        "XDG_DATA_HOME": str(home / "data"), "XDG_CACHE_HOME": str(home / "cache"),
        "MARGINALIA_STORE": str(home / "store" / "annotations.json"), "LC_ALL": "C.UTF-8", "PATH": "/usr/bin:/bin",
    }  # fmt: skip


def started(env: dict[str, str]) -> dict:
    done = subprocess.run(
        [sys.executable, "-c", FIRST_FRAME], capture_output=True, text=True, timeout=120, env=env, check=False
    )
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout.strip().splitlines()[-1])


@pytest.fixture(scope="module")
def start(env: dict[str, str]) -> dict:
    return started(env)  # the first start of this user: nothing in the cache


def test_the_start_imports_nothing_the_first_screen_does_not_use(start: dict) -> None:
    modules = set(start["modules"])
    assert "tui.ui.app" in modules and "tui.ui.document_view" in modules  # it did start the reader
    imported = [name for name in NEVER_AT_START if name in modules or any(m.startswith(name + ".") for m in modules)]
    assert imported == [], "import these where they are used (a screen's module when it is opened)"


def test_the_start_parses_only_the_first_screens_styles(start: dict) -> None:
    assert start["styles"] == ["pane.tcss", "document_view.tcss", "review.tcss", "app.tcss"]


def test_the_first_screen_mounts_only_what_it_shows(start: dict) -> None:
    """The search bar and the review list are mounted when first opened (``MarginaliaApp._search_bar``, ...):
    each widget at the start is styled, laid out and rendered before the first frame."""
    widgets = start["widgets"]
    assert widgets.count("DocumentView") == 2 and "ReaderFooter" in widgets
    assert not {"SearchBar", "ReviewPanel", "OptionList", "Input", "Label"} & set(widgets)
    assert len(widgets) <= 14, widgets  # the screen, the panes, 2 x (pane, title, view, status), the footer, ...


def test_the_next_start_parses_no_styles(env: dict[str, str], start: dict) -> None:
    """The first start parses every rule of the first screen's styles and keeps them (tui/ui/style_cache.py);
    the next start, the same user with the same Textual, reads them back: same styles, same widgets."""
    assert start["rules parsed"] > 50
    again = started(env)
    assert again["rules parsed"] == 0
    assert (again["styles"], again["widgets"]) == (start["styles"], start["widgets"])


def test_the_collector_waits_for_the_first_frame_then_collects_again(start: dict) -> None:
    assert start["collecting at the first frame"] is False
    assert start["collecting"] is True
    assert start["frozen"] > 10_000  # the start's objects: never traversed by a collection again
    young, middle, old = start["thresholds"]
    assert (young, middle) == gc.get_threshold()[:2] and old == OLD_GENERATION_EVERY  # full collections rarer


async def test_the_reader_gives_the_collector_its_thresholds_back(tmp_path: Path) -> None:
    """Python's thresholds are the process's: an app run inside another program (tests, a notebook) leaves them
    as it found them."""
    from tui.document import load_paths
    from tui.store import Store
    from tui.ui.app import MarginaliaApp

    before = gc.get_threshold()
    app = MarginaliaApp(load_paths([str(ASMOLOV)]), Store(tmp_path / "store.json"))
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause(0.2)
        assert gc.get_threshold()[2] == OLD_GENERATION_EVERY
    assert gc.get_threshold() == before


def test_a_command_other_than_the_reader_collects_as_usual(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import gc

    from tui import cli

    seen = []
    themes = cli.HANDLERS["themes"]
    monkeypatch.setitem(cli.HANDLERS, "themes", lambda args: seen.append(gc.isenabled()) or themes(args))
    assert gc.isenabled()
    assert cli.main(["--store", str(tmp_path / "s.json"), "themes"]) == 0
    assert seen == [True]  # its work is the user's data: collected as usual
    assert gc.isenabled() and gc.get_freeze_count() == 0


@pytest.mark.parametrize(
    "argv",
    [[], ["a.txt", "b.txt"], ["--store", "s.json", "read", "--no-state", "a.txt"], ["read", "--coder", "ann", "x.pdf"],
     ["--max-size", "1G", "a.txt", "--password", "pw", "--reextract"]],
)  # fmt: skip
def test_the_readers_own_parser_reads_its_arguments_as_the_whole_one_does(argv: list[str]) -> None:
    from tui import cli

    words = cli._with_command(argv)
    assert cli._reads(words)
    assert cli.build_parser(only_read=True).parse_args(words) == cli.build_parser().parse_args(words)


@pytest.mark.parametrize("argv", [["--help"], ["read", "--help"], ["list"], ["--store", "s.json", "tag", "read"]])
def test_help_and_the_other_commands_get_the_whole_parser(argv: list[str]) -> None:
    from tui import cli

    assert not cli._reads(cli._with_command(argv))
