"""Styles live in .tcss files beside their modules (CSS_PATH, as Harlequin does), and the wheel ships them."""

import ast
import zipfile
from importlib import resources
from pathlib import Path

from tui.ui.app import MarginaliaApp

ROOT = Path(__file__).resolve().parent.parent
UI = ROOT / "tui" / "ui"


def test_every_style_file_is_found_as_package_data() -> None:
    assert isinstance(MarginaliaApp.CSS_PATH, list)
    for path in MarginaliaApp.CSS_PATH:
        assert Path(path).parent == UI
        text = resources.files("tui.ui").joinpath(Path(path).name).read_text(encoding="utf-8")
        assert "{" in text, path


def test_every_tcss_file_is_loaded_by_the_app() -> None:
    on_disk = {path.name for path in UI.glob("*.tcss")}
    assert on_disk == {Path(path).name for path in MarginaliaApp.CSS_PATH}, "add the new .tcss file to STYLED_ROOMS"


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
    for path in MarginaliaApp.CSS_PATH:
        assert f"tui/ui/{Path(path).name}" in names


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
