"""Compare by theme, timed: the compare screen, its drill-downs and the corpus search over a generated corpus.

    python tests/bench/compare.py            # 50 documents of 1 MB (50 MB), 10,000 annotations
    python tests/bench/compare.py --quick    # a smoke run on small data (the test suite runs it)

Each figure is wall time in the running app, from the key's action to the frame that shows the result (the
app's own post-display hook), the median of the repetitions; "input blocked" is the longest the event loop went
without running while the search worked (a 1 ms ticker). Targets are printed, never asserted.
"""

from __future__ import annotations

import argparse
import asyncio
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path[:0] = [str(HERE), str(HERE.parent.parent)]

import data  # noqa: E402
from run import StallMonitor, timed_app, wait_for  # noqa: E402

from tui.document import load_paths  # noqa: E402
from tui.model import new_annotation  # noqa: E402
from tui.store import Store  # noqa: E402
from tui.ui.app import MarginaliaApp  # noqa: E402


def corpus(folder: Path, documents: int, size: int, annotations: int) -> tuple[list[Path], Path]:
    """``documents`` prose files of ``size`` bytes and a store with ``annotations`` spread over them (themes
    with codebook children, one to three per passage)."""
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for n in range(documents):
        path = folder / f"doc-{n:02}.txt"
        path.write_text(data.prose(size, seed=100 + n), encoding="utf-8")
        paths.append(path)
    themes = data.THEMES + ["sanctions/UN", "sanctions/unilateral", "arms cooperation/ammunition"]
    rng = random.Random(7)
    records = []
    per_document = annotations // documents
    for document in load_paths(paths):
        text = document.text
        step = len(text) // per_document
        for n in range(per_document):
            start = text.rfind(" ", 0, n * step + rng.randrange(step)) + 1
            end = max(start + 1, text.find(" ", start + rng.randint(10, 250)))
            chosen = rng.sample(themes, rng.choice((1, 1, 2, 3)))
            records.append(new_annotation(document, start, min(end, len(text)), chosen))
    store_path = folder / "annotations.json"
    store = Store(store_path)
    store.add_many(records)
    return paths, store_path


async def measure(paths: list[Path], store_path: Path, reps: int, word: str) -> list[tuple[str, str, str]]:
    from textual.widgets import Input, OptionList

    from tui.ui.compare import CompareScreen, PassagesLevel, SideBySideLevel
    from tui.ui.corpus_search import CorpusSearch

    app = timed_app(MarginaliaApp)(load_paths(paths), Store(store_path))
    opened, cell, side, first, blocked, whole = [], [], [], [], [], []
    async with app.run_test(size=(160, 45)) as pilot:
        await wait_for(lambda: app.first_paint is not None, pilot)
        await pilot.pause(0.5)
        for _ in range(reps):
            app.watched, started = None, time.perf_counter()
            app.watch = lambda: isinstance(app.screen, CompareScreen) and app.screen.query_one("#matrix").row_count
            app.action_compare()
            await wait_for(lambda: app.watched is not None, pilot)
            opened.append(app.watched - started)
            for kind, target, into in (("enter", PassagesLevel, cell), ("side", SideBySideLevel, side)):
                screen = app.screen
                app.watched, started = None, time.perf_counter()
                app.watch = lambda target=target: isinstance(app.screen, target) and app.screen.is_mounted
                if kind == "side":
                    screen.query_one("#matrix").move_cursor(row=0, column=0)
                await pilot.press("enter")
                await wait_for(lambda: app.watched is not None, pilot)
                into.append(app.watched - started - 0.0)
                await pilot.press("escape")
                await pilot.pause()
            await pilot.press("escape")
            await pilot.pause()

            app.push_screen(CorpusSearch(app.documents))
            await pilot.pause()
            search = app.screen
            monitor = StallMonitor()
            monitor.start()
            app.watched, started = None, time.perf_counter()
            app.watch = lambda: search.query_one("#hits", OptionList).option_count > 0
            search.query_one("#query", Input).value = word
            await wait_for(lambda: app.watched is not None, pilot)
            first.append(app.watched - started)
            await wait_for(lambda: not search.workers, pilot, timeout=600)
            whole.append(time.perf_counter() - started)
            blocked.append(await monitor.stop())
            await pilot.press("escape")
            await pilot.pause()
    ms = lambda values: f"{statistics.median(values) * 1000:.0f} ms"  # noqa: E731
    return [
        ("compare screen opens (matrix drawn)", ms(opened), "< 200 ms"),
        ("drill-down: a cell's passages", ms(cell), "< 50 ms"),
        ("drill-down: a theme side by side", ms(side), "< 50 ms"),
        (f"corpus search {word!r}: first results drawn", ms(first), "< 300 ms"),
        ("... input blocked at most, while searching", ms(blocked), "not blocking"),
        ("... whole search done (in a worker)", ms(whole), "-"),
    ]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="small data, one repetition: a smoke run")
    args = parser.parse_args(argv)
    documents, size, count, reps = (5, 20_000, 200, 1) if args.quick else (50, 1_000_000, 10_000, 3)
    with tempfile.TemporaryDirectory() as scratch:
        started = time.perf_counter()
        paths, store_path = corpus(Path(scratch), documents, size, count)
        print(f"{documents} documents, {documents * size / 1e6:.1f} MB, {count:,} annotations "
              f"(generated in {time.perf_counter() - started:.1f} s)")  # fmt: skip
        rows = asyncio.run(measure(paths, store_path, reps, "which"))
    width = max(len(r[0]) for r in rows)
    print(f"{'scenario'.ljust(width)}  {'median':>8}  target")
    for scenario, figure, target in rows:
        print(f"{scenario.ljust(width)}  {figure:>8}  {target}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
