"""The core (every module directly in ``tui/`` and in its core subpackages such as ``tui/formats/``, not the
``tui.ui`` package) never imports Textual."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest
from conftest import run_python

import tui

PACKAGE = Path(tui.__file__).resolve().parent
CORE_PACKAGES = ("formats",)  # subpackages of the core: file formats
CORE = sorted(PACKAGE.glob("*.py")) + sorted(p for name in CORE_PACKAGES for p in (PACKAGE / name).glob("*.py"))


def _module(path: Path) -> str:
    """``tui/text.py`` -> ``text``; ``tui/formats/pdf.py`` -> ``formats.pdf``; ``tui/formats/__init__.py`` ->
    ``formats``."""
    parts = path.relative_to(PACKAGE).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" and len(parts) > 1 else parts)


IMPORTABLE = [_module(p) for p in CORE if p.stem != "__main__"]  # importing __main__ runs the program

PROBE = """
import importlib, sys
importlib.import_module(sys.argv[1])
found = sorted(m for m in sys.modules if m == "textual" or m.startswith("textual."))
print(",".join(found))
"""


def test_the_core_modules_are_found() -> None:
    names = {p.stem for p in CORE}
    assert names >= {"__init__", "__main__", "text", "document", "model", "storage", "store", "library", "cli"}
    assert {_module(p) for p in CORE} >= {"formats", "formats.pdf", "formats.html", "formats.epub", "formats.docx"}
    assert not any(p.parent.name == "ui" for p in CORE)


@pytest.mark.parametrize("module", IMPORTABLE)
def test_importing_a_core_module_loads_no_textual(module: str) -> None:
    name = "tui" if module == "__init__" else f"tui.{module}"
    result = run_python(PROBE, name)
    assert result.returncode == 0, result.stderr.decode()
    assert result.stdout == b"\n", f"{name} imports {result.stdout.decode().strip()}"


def test_the_probe_would_see_textual() -> None:
    """The subprocess check can fail: importing the reader does load Textual."""
    if not (PACKAGE / "ui" / "app.py").exists():
        pytest.skip("no reader yet")
    result = run_python(PROBE, "tui.ui.app")
    assert result.returncode == 0, result.stderr.decode()
    assert "textual" in result.stdout.decode().strip().split(",")


def textual_imports(tree: ast.AST) -> list[tuple[int, str]]:
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found += [(node.lineno, a.name) for a in node.names if a.name.split(".")[0] == "textual"]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and (node.module or "").split(".")[0] == "textual":
            found.append((node.lineno, node.module or ""))
        elif isinstance(node, ast.Call) and getattr(node.func, "attr", getattr(node.func, "id", "")) in (
            "import_module",
            "__import__",
        ):
            args = [a.value for a in node.args if isinstance(a, ast.Constant) and isinstance(a.value, str)]
            found += [(node.lineno, a) for a in args if a.split(".")[0] == "textual"]
    return found


@pytest.mark.parametrize("path", CORE, ids=[str(p.relative_to(PACKAGE)) for p in CORE])
def test_no_core_file_mentions_an_import_of_textual(path: Path) -> None:
    assert textual_imports(ast.parse(path.read_text("utf-8"), str(path))) == []


@pytest.mark.parametrize(
    "source",
    ["import textual", "import textual.app as app", "from textual.widgets import Static",
     "def f():\n    from textual import on", "import importlib\nimportlib.import_module('textual.app')"],
)  # fmt: skip
def test_the_scan_finds_each_way_of_importing(source: str) -> None:
    assert len(textual_imports(ast.parse(source))) == 1


def test_the_scan_ignores_the_readers_own_package() -> None:
    assert textual_imports(ast.parse("from .ui.app import MarginaliaApp\nimport textualize_not")) == []
