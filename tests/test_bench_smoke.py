"""The speed benchmark (tests/bench/run.py) still runs: its quick mode prints a figure for every scenario.
Figures are never asserted here (they depend on the machine); the full run's targets are in README.md."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys

import pytest
from conftest import SOURCE_ROOT, child_env

BENCH = SOURCE_ROOT / "tests" / "bench" / "run.py"
SCENARIOS = [
    "start to first paint: bare Textual app (reference)",
    "start to first paint: the two seeds",
    "open 0.3 MB prose: first paint",
    "open 0.3 MB prose: every row wrapped and drawn",
    "open 0.3 MB prose: input blocked after first paint",
    "page down in 0.3 MB prose: rendering work per key",
    "cursor down in 0.3 MB prose: rendering work per key",
    "resize with 0.3 MB prose: re-wrapped and drawn",
    "resize with 0.3 MB prose: input blocked",
    "open 0.3 MB CJK+emoji: first paint",
    "page down in 0.3 MB CJK+emoji: rendering work per key",
    "resize with 0.3 MB CJK+emoji: re-wrapped and drawn",
    "page down through 1,000 highlights: rendering work per key",
    "add a highlight, 1,000 in the store: on screen",
    "add a highlight, 1,000 in the store: in the store",
    "add a highlight, 1,000 in the store: input blocked",
    "load a 1,000-annotation store",
    "export 1,000 annotations as Markdown",
    "`marginalia list --format json`, 1,000 annotations, whole process",
    "`marginalia export`, 1,000 annotations, whole process",
    "memory per annotation held, 1,000 in the store",
    "peak memory, 0.3 MB document and 1,000 annotations",
]
FIGURE = re.compile(r"\s{2,}\d+(\.\d+)? (ms|s|MB|KB)(\s|$)")


TERMINAL = [
    "terminal: first screen, bare Textual app (reference)",
    "terminal: first screen, the two seeds, marginalia",
    "terminal: first screen, 0.25 MB, one short line per verse",
    "terminal: first page down at once, 0.25 MB, one short line per verse",
    "terminal: page down, 0.25 MB, one short line per verse",
    "terminal: search near the end, 0.25 MB, one short line per verse",
    "terminal: G (end), 0.25 MB, one short line per verse",
    "terminal: top at once after a resize to 120x40, 0.25 MB, one short line per verse",
    "terminal: peak memory, 0.25 MB, one short line per verse",
    "terminal: page down, a Textual view of rows drawn in advance (floor)",
    "terminal: longest input wait while it is read and wrapped after the first screen, 0.25 MB, long paragraphs",
    "terminal: longest input wait while 500 highlights are re-anchored (the file was edited), 0.25 MB, long paragraphs",
    "terminal: longest input wait while it is wrapped again after a resize to 120x40, 0.25 MB, long paragraphs",
    "terminal: longest input wait while the store is reloaded after another process wrote it, 0.25 MB, long paragraphs",
]
PEERS = ("less", "vim -R")


def run_quick(*options: str) -> list[str]:
    done = subprocess.run(
        [sys.executable, str(BENCH), "--quick", *options], capture_output=True, text=True, timeout=240, env=child_env()
    )
    assert done.returncode == 0, done.stderr[-2000:]
    return done.stdout.splitlines()


def test_quick_benchmark_prints_every_scenario_with_a_figure() -> None:
    done = subprocess.run(
        [sys.executable, str(BENCH), "--quick", "--no-terminal"],
        capture_output=True, text=True, timeout=120, env=child_env(),
    )  # fmt: skip
    assert done.returncode == 0, done.stderr[-2000:]
    lines = done.stdout.splitlines()
    assert lines and lines[0].startswith("marginalia benchmark, quick smoke run")
    for scenario in SCENARIOS:
        row = next((line for line in lines if line.startswith(scenario + "  ")), None)
        assert row is not None, f"no row for {scenario!r} in:\n{done.stdout}"
        assert FIGURE.match(row[len(scenario) :]), f"no figure in {row!r}"
    if (BENCH.parent / "reanchor.py").exists():
        assert any(line.startswith("re-anchor ") and FIGURE.search(line) for line in lines), done.stdout


@pytest.mark.skipif(shutil.which("tmux") is None, reason="the terminal section runs programs in tmux")
def test_quick_terminal_section_times_marginalia_and_its_peers_in_a_real_terminal() -> None:
    """The installed ``marginalia``, ``less`` and ``vim -R`` in tmux: every row has a figure, and each installed
    peer's figure is quoted beside ours (a missing one is named as skipped)."""
    lines = run_quick("--terminal")
    assert lines and lines[0].startswith("marginalia benchmark, quick smoke run"), lines
    for scenario in TERMINAL:
        row = next((line for line in lines if line.startswith(scenario + "  ")), None)
        assert row is not None, f"no row for {scenario!r} in:\n" + "\n".join(lines)
        assert FIGURE.match(row[len(scenario) :]), f"no figure in {row!r}"
    first_screen = next(line for line in lines if line.startswith(TERMINAL[2]))
    for peer in PEERS:
        installed = shutil.which(peer.split()[0]) is not None
        if installed:
            assert re.search(rf"{re.escape(peer)} \d+(\.\d+)? (ms|s)", first_screen), first_screen
        else:
            assert f"{peer}: not installed, skipped" in lines


SCALE_SCENARIOS = [
    "store load", "`tag` one more", "`list --format json`", "`list --doc`", "`export`", "reader first screen",
    "reader RSS", "add a highlight in the reader: durable",
]  # fmt: skip


def test_quick_scale_benchmark_prints_the_issue_16_table() -> None:
    done = subprocess.run(
        [sys.executable, str(BENCH.parent / "scale.py"), "--quick"],
        capture_output=True, text=True, timeout=180, env=child_env(),
    )  # fmt: skip
    assert done.returncode == 0, done.stderr[-2000:]
    rows = [line for line in done.stdout.splitlines() if line.startswith("1,000 / 10 docs  ")]
    for scenario in SCALE_SCENARIOS:
        row = next((r for r in rows if r[len("1,000 / 10 docs  ") :].startswith(scenario + "  ")), None)
        assert row is not None, f"no row for {scenario!r} in:\n{done.stdout}"
        assert re.search(r"  \d+(\.\d+)? (ms|s|MB)(\s|$)", row), f"no figure in {row!r}"


FORMATS_ROWS = [
    "extract (no snapshot yet)", "reopen from its snapshot", "read the same text as a .txt file",
    "in the reader: first paint", "in the reader: text shown", "in the reader: longest input wait",
]  # fmt: skip


def test_quick_formats_benchmark_times_extraction_reopening_and_the_reader() -> None:
    done = subprocess.run(
        [sys.executable, str(BENCH.parent / "formats.py"), "--quick"],
        capture_output=True, text=True, timeout=180, env=child_env(),
    )  # fmt: skip
    assert done.returncode == 0, done.stderr[-2000:]
    lines = done.stdout.splitlines()
    assert lines[0].startswith("marginalia formats benchmark, 5-page PDF; load average"), lines
    for scenario in FORMATS_ROWS:
        row = next((line for line in lines if line.startswith(scenario)), None)
        assert row is not None and re.search(r"\d+(\.\d+)? (ms|s)$", row), f"{scenario!r} in:\n{done.stdout}"
