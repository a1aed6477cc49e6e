"""Compare by theme, timed: the compare screen, its drill-downs and the corpus search over a generated corpus.

    python tests/bench/compare.py            # 50 documents of 1 MB (50 MB), 10,000 annotations
    python tests/bench/compare.py --quick    # a smoke run on small data (the test suite runs it)

Each figure is wall time in the running app (Pilot, 160x45), from the key press (``c``, ``enter``, ``tab``; the
query typed in one go) to the first frame painted that shows the result (noted in the app's post-display hook,
so the frame's layout and rendering are included), the median of the repetitions; "input blocked" is the longest
the event loop went without running while the search worked (a 1 ms ticker: a key waits as long). The load
average is printed: on a shared machine the figures scale with it. Targets are printed, never asserted.
"""

from __future__ import annotations

import argparse
import asyncio
import os
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

from tui.compare import BUILD_HERE  # noqa: E402
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
    from textual.widgets import DataTable, Input, OptionList

    from tui.ui.compare import CompareScreen, PassagesLevel, SideBySideLevel
    from tui.ui.corpus_search import CorpusSearch

    app = timed_app(MarginaliaApp)(load_paths(paths), Store(store_path))
    figures: dict[str, list[float]] = {name: [] for name in FIGURES}

    def drawn_matrix() -> bool:
        return isinstance(app.screen, CompareScreen) and app.screen.ready and app.screen.query_one("#matrix").row_count

    async def timed(name: str, act, until, pilot) -> None:  # type: ignore[no-untyped-def]
        app.watched, app.watch = None, until
        started = time.perf_counter()
        await act()
        await wait_for(lambda: app.watched is not None, pilot, timeout=120)
        figures[name].append(app.watched - started)

    async def compare_key() -> None:
        await pilot.press("c")

    async with app.run_test(size=(160, 45)) as pilot:
        await wait_for(lambda: app.first_paint is not None, pilot)
        if len(app.annotations) > BUILD_HERE:  # fewer: the screen counts them itself
            await wait_for(lambda: app._compare_ready is not None, pilot, timeout=300)
        figures["ready"].append(time.perf_counter() - app.first_paint)
        for _ in range(reps):
            await timed("open", compare_key, drawn_matrix, pilot)
            for kind, target in (("cell", PassagesLevel), ("side", SideBySideLevel)):
                if kind == "side":
                    app.screen.query_one("#matrix", DataTable).move_cursor(row=0, column=0)
                await timed(kind, lambda: pilot.press("enter"), lambda t=target: isinstance(app.screen, t), pilot)
                if kind == "side":
                    screen = app.screen
                    await wait_for(lambda: not screen._queue, pilot, timeout=120)
                    figures["side-all"].append(time.perf_counter() - app.watched + figures["side"][-1])
                await pilot.press("escape")
                await pilot.pause()
            table = app.screen.query_one("#cooccurrence", DataTable)
            await timed("tab", lambda: pilot.press("tab"), lambda: table.row_count > 0, pilot)
            await pilot.press("escape")
            await pilot.pause()

            ready, app._compare_ready = app._compare_ready, None  # as if pressed right after a change
            monitor = StallMonitor()
            monitor.start()
            await timed("cold-shown", compare_key, lambda: isinstance(app.screen, CompareScreen), pilot)
            await wait_for(drawn_matrix, pilot, timeout=120)
            figures["cold-drawn"].append(time.perf_counter() - app.watched + figures["cold-shown"][-1])
            figures["cold-blocked"].append(await monitor.stop())
            app._compare_ready = ready
            await pilot.press("escape")
            await pilot.pause()

            app.push_screen(CorpusSearch(app.documents))
            await pilot.pause()
            search = app.screen
            monitor = StallMonitor()
            monitor.start()
            started = time.perf_counter()

            async def type_word() -> None:
                search.query_one("#query", Input).value = word

            await timed("first", type_word, lambda: search.query_one("#hits", OptionList).option_count > 0, pilot)
            await wait_for(lambda: "match" in str(search.query_one("#status").render()), pilot, timeout=600)
            figures["whole"].append(time.perf_counter() - started)
            figures["blocked"].append(await monitor.stop())
            await pilot.press("escape")
            await pilot.pause()
    ms = lambda values: f"{statistics.median(values) * 1000:.0f} ms"  # noqa: E731
    return [(text, ms(figures[name]), target) for name, (text, target) in FIGURES.items()]


FIGURES = {  # name: (what is timed, target)
    "ready": ("compare matrix kept ready (worker, after start)", "-"),
    "open": ("compare screen opens (matrix drawn)", "< 200 ms"),
    "cell": ("drill-down: a cell's passages", "< 50 ms"),
    "side": ("drill-down: a theme side by side (first frame)", "< 50 ms"),
    "side-all": ("... every column listed (between frames)", "-"),
    "tab": ("co-occurrence table drawn (tab)", "-"),
    "cold-shown": ("compare right after a change: screen shown", "< 200 ms"),
    "cold-drawn": ("... its matrix drawn (built in a worker)", "-"),
    "cold-blocked": ("... input blocked at most meanwhile", "not blocking"),
    "first": ("corpus search: first results drawn", "< 300 ms"),
    "blocked": ("... input blocked at most, while searching", "not blocking"),
    "whole": ("... whole search done (in a worker)", "-"),
}


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
    print(f"load average {' '.join(f'{x:.2f}' for x in os.getloadavg())} (after the run)")
    width = max(len(r[0]) for r in rows)
    print(f"{'scenario'.ljust(width)}  {'median':>8}  target")
    for scenario, figure, target in rows:
        print(f"{scenario.ljust(width)}  {figure:>8}  {target}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
