"""The speed benchmark (tests/bench/run.py) still runs: its quick mode prints a figure for every scenario.
Figures are never asserted here (they depend on the machine); the full run's targets are in README.md."""

from __future__ import annotations

import re
import subprocess
import sys

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
    "`marginalia list --format json`, whole process",
    "peak memory, 0.3 MB document and 1,000 annotations",
]
FIGURE = re.compile(r"\s{2,}\d+(\.\d+)? (ms|s|MB)(\s|$)")


def test_quick_benchmark_prints_every_scenario_with_a_figure() -> None:
    done = subprocess.run(
        [sys.executable, str(BENCH), "--quick"], capture_output=True, text=True, timeout=120, env=child_env()
    )
    assert done.returncode == 0, done.stderr[-2000:]
    lines = done.stdout.splitlines()
    assert lines and lines[0].startswith("marginalia benchmark, quick smoke run")
    for scenario in SCENARIOS:
        row = next((line for line in lines if line.startswith(scenario + "  ")), None)
        assert row is not None, f"no row for {scenario!r} in:\n{done.stdout}"
        assert FIGURE.match(row[len(scenario) :]), f"no figure in {row!r}"
    if (BENCH.parent / "reanchor.py").exists():
        assert any(line.startswith("re-anchor ") and FIGURE.search(line) for line in lines), done.stdout
