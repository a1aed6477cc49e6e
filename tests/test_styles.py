"""Styles live in .tcss files beside their modules (CSS_PATH, as Harlequin does), and the wheel ships them."""

import ast
import zipfile
from importlib import resources
from pathlib import Path

from textual.screen import Screen

from tui.ui import keys
from tui.ui.app import MarginaliaApp

ROOT = Path(__file__).resolve().parent.parent
UI = ROOT / "tui" / "ui"


def screens() -> list[type[Screen]]:
    """Every screen and dialog of the reader (each room with bindings; the compare levels without their own)."""
    from tui.ui.compare import PassagesLevel

    found = [room for room in keys.rooms() if issubclass(room, Screen)]
    return [*found, PassagesLevel]


def style_paths() -> list[Path]:
    """The styles the app loads at start, then those each screen loads when it is first opened."""
    assert isinstance(MarginaliaApp.CSS_PATH, list)
    paths = [Path(p) for p in MarginaliaApp.CSS_PATH]
    for screen in screens():
        assert isinstance(screen.CSS_PATH, list), f"{screen.__name__}: CSS_PATH = styles_of(__file__)"
        paths += [Path(p) for p in screen.CSS_PATH]
    return paths


def test_every_style_file_is_found_as_package_data() -> None:
    for path in style_paths():
        assert path.is_absolute() and path.parent == UI
        text = resources.files("tui.ui").joinpath(path.name).read_text(encoding="utf-8")
        assert "{" in text, path


def test_every_tcss_file_is_loaded_by_the_app_or_its_screen() -> None:
    on_disk = {path.name for path in UI.glob("*.tcss")}
    assert on_disk == {path.name for path in style_paths()}, "load the new .tcss file: CSS_PATH = styles_of(__file__)"


def test_a_screen_loads_only_its_own_room() -> None:
    for screen in screens():
        assert [Path(p).name for p in screen.CSS_PATH] == [f"{screen.__module__.rsplit('.', 1)[1]}.tcss"]


def test_the_start_loads_only_the_first_screens_styles() -> None:
    """The dialogs' and screens' rules are parsed and matched when they are first opened, not at every start."""
    assert [Path(p).name for p in MarginaliaApp.CSS_PATH] == ["pane.tcss", "document_view.tcss", "review.tcss",
                                                              "app.tcss"]  # fmt: skip


def test_no_inline_css_left_in_the_ui() -> None:
    for path in UI.glob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Assign):
                names = {target.id for target in node.targets if isinstance(target, ast.Name)}
                assert not names & {"CSS", "DEFAULT_CSS"}, f"{path.name}: put its styles in {path.stem}.tcss"


def test_the_built_wheel_holds_the_styles(tmp_path: Path) -> None:
    from hatchling.builders.wheel import WheelBuilder

    wheel = next(iter(WheelBuilder(str(ROOT)).build(directory=str(tmp_path), versions=["standard"])))
    names = set(zipfile.ZipFile(wheel).namelist())
    for path in style_paths():
        assert f"tui/ui/{path.name}" in names


async def test_the_styles_apply_in_the_running_app(tmp_path: Path) -> None:
    from tui.document import load_paths
    from tui.store import Store
    from tui.ui.document_view import DocumentView

    doc = tmp_path / "a.txt"
    doc.write_text("Some text.\n", encoding="utf-8")

    class Subclass(MarginaliaApp):  # defined elsewhere (as the benchmarks do): the styles are still found
        pass

    app = Subclass(load_paths([doc]), Store(tmp_path / "s.json"))
    async with app.run_test(size=(80, 24)):
        view = app.query_one(DocumentView)
        assert view.styles.scrollbar_size_vertical == 1  # from document_view.tcss
        assert str(app.query_one("#panes").styles.height) == "1fr"  # from app.tcss


async def test_a_screens_styles_apply_once_it_is_opened(tmp_path: Path) -> None:
    from textual.containers import Vertical

    from tui.document import load_paths
    from tui.store import Store
    from tui.ui.help import HelpScreen

    doc = tmp_path / "a.txt"
    doc.write_text("Some text.\n", encoding="utf-8")
    app = MarginaliaApp(load_paths([doc]), Store(tmp_path / "s.json"))
    async with app.run_test(size=(120, 30)) as pilot:
        await pilot.press("question_mark")
        await pilot.pause()
        assert isinstance(app.screen, HelpScreen)
        assert app.screen.query_one(Vertical).outer_size.width == 100  # help.tcss: width 100
