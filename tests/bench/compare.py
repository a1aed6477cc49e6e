"""Compare by theme, timed: the compare screen, its drill-downs and the corpus search over a generated corpus.

    python tests/bench/compare.py            # 50 documents of 1 MB (50 MB), 10,000 annotations
    python tests/bench/compare.py --quick    # a smoke run on small data (the test suite runs it)

Each figure is wall time in the running app (Pilot, 160x45), from the key press (``c``, ``enter``, ``tab``; the
query typed in one go) to the first frame painted that shows the result (noted in the app's post-display hook,
so the frame's layout and rendering are included; a drill-down's with its passages drawn, not blank columns), the
median of the repetitions. While the corpus search runs, ``down`` is pressed in its hits every 30 ms (sent from
another thread, as a terminal driver's input thread sends it) and each key is timed from the press to the painted frame that shows the cursor moved: "a key's wait" (the
longest, and the median key; the focus moved into the hits first is timed apart); "input blocked at most" after a change to the highlights, and "event loop stalled"
during the search, are the longest the event loop went without running (a 1 ms ticker). The load average is
printed: on a shared machine the figures scale with it. Targets are printed, never asserted.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import queue
import random
import statistics
import sys
import tempfile
import threading
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
    from textual.widgets import DataTable

    from tui.ui.compare import CompareScreen, PassagesLevel, SideBySideLevel
    from tui.ui.corpus_search import CorpusSearch
    from tui.ui.passages import PassageColumn

    app = timed_app(MarginaliaApp)(load_paths(paths), Store(store_path))
    figures: dict[str, list[float]] = {name: [] for name in [*FIGURES, "keys", "helper-rss"]}

    def drawn_matrix() -> bool:
        return isinstance(app.screen, CompareScreen) and app.screen.ready and app.screen.query_one("#matrix").row_count

    def shown(level: type) -> bool:  # the level, its columns drawn with their passages (not blank)
        return isinstance(app.screen, level) and all(c.drawn for c in app.screen.query(PassageColumn))

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
                    await pilot.pause()  # the cursor's move drawn first, as it is before a reader's enter
                await timed(kind, lambda: pilot.press("enter"), lambda t=target: shown(t), pilot)
                if kind == "side":
                    columns = list(app.screen.query(PassageColumn))
                    await wait_for(lambda: all(c.complete for c in columns), pilot, timeout=120)
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
            await search_timed(app, pilot, word, figures, timed)
            await pilot.press("escape")
            await pilot.pause()
    ms = lambda values: f"{statistics.median(values) * 1000:.0f} ms"  # noqa: E731
    rows = [(text, ms(figures[name]), target) for name, (text, target) in FIGURES.items()]
    rows.append(("... the first search of all (helper starting)", ms(figures["first"][:1]), "< 300 ms"))
    if figures["helper-rss"]:
        rows.append(("... the search helper's resident memory", f"{max(figures['helper-rss']) / 1e6:.0f} MB", "-"))
    return rows


async def search_timed(app, pilot, word: str, figures: dict[str, list[float]], timed) -> None:  # type: ignore[no-untyped-def]
    """The query typed in one go; then, while the search runs, ``down`` pressed in the hits every ``KEY_GAP``
    as a terminal sends it (from another thread, which must get the interpreter lock as the terminal driver's
    does), each timed from the press to the painted frame that shows the cursor moved."""
    from textual.events import Key
    from textual.widgets import Input

    search = app.screen
    hits = search.query_one("#hits")  # an OptionList before, a LineList now: the same names
    done = lambda: "match" in str(search.query_one("#status").render())  # noqa: E731
    monitor = StallMonitor()
    monitor.start()
    started = time.perf_counter()

    async def type_word() -> None:
        search.query_one("#query", Input).value = word

    await timed("first", type_word, lambda: hits.option_count > 0, pilot)
    app.watched, app.watch = None, lambda: hits.has_focus
    moved = time.perf_counter()
    hits.focus()  # as the down arrow from the query does (timed apart: a focus change restyles the screen)
    await wait_for(lambda: app.watched is not None, pilot, timeout=60)
    figures["focus"].append(app.watched - moved)
    loop = asyncio.get_running_loop()
    presses: queue.Queue[bool] = queue.Queue()

    def terminal() -> None:
        while presses.get():
            asyncio.run_coroutine_threadsafe(app._post_message(Key("down", None)), loop)

    sender = threading.Thread(target=terminal, daemon=True)
    sender.start()
    waits = []
    while not done():
        before = hits.highlighted
        app.watched, app.watch = None, lambda: hits.highlighted != before
        pressed = time.perf_counter()
        presses.put(True)
        await wait_for(lambda: app.watched is not None or (done() and hits.highlighted == before), pilot, 60)
        if app.watched is not None:  # (else the cursor was at the end, or the search ended)
            waits.append(app.watched - pressed)
        await asyncio.sleep(KEY_GAP)
    presses.put(False)
    sender.join()
    figures["whole"].append(time.perf_counter() - started)
    figures["stalled"].append(await monitor.stop())
    figures["blocked"].append(max(waits, default=0.0))
    figures["key"].append(statistics.median(waits) if waits else 0.0)
    figures["keys"].append(len(waits))
    pid = getattr(getattr(app, "corpus_helper", None), "pid", None)
    if pid is not None:
        figures["helper-rss"].append(resident(pid))


def resident(pid: int) -> float:
    """A process's resident memory now, in bytes (0 if /proc has none)."""
    try:
        status = Path(f"/proc/{pid}/status").read_text(encoding="ascii")
    except OSError:
        return 0.0
    return next((int(line.split()[1]) * 1024.0 for line in status.splitlines() if line.startswith("VmRSS:")), 0.0)


KEY_GAP = 0.03  # seconds between two key presses during the search (a key held down repeats about so fast)


FIGURES = {  # name: (what is timed, target)
    "ready": ("compare matrix kept ready (worker, after start)", "-"),
    "open": ("compare screen opens (matrix drawn)", "< 200 ms"),
    "cell": ("drill-down: a cell's passages", "< 50 ms"),
    "side": ("drill-down: a theme side by side (first frame)", "< 50 ms"),
    "side-all": ("... every column wrapped (between frames)", "-"),
    "tab": ("co-occurrence table drawn (tab)", "-"),
    "cold-shown": ("compare right after a change: screen shown", "< 200 ms"),
    "cold-drawn": ("... its matrix drawn (built in a worker)", "-"),
    "cold-blocked": ("... input blocked at most meanwhile", "not blocking"),
    "first": ("corpus search: first results drawn", "< 300 ms"),
    "blocked": ("... a key's wait at most, while searching (press to frame)", "not blocking"),
    "key": ("... a key's wait, the median key (press to frame)", "-"),
    "focus": ("... into the hits meanwhile (focus moved, to frame)", "-"),
    "stalled": ("... event loop stalled at most meanwhile (1 ms ticker)", "-"),
    "whole": ("... whole search done (in the helper)", "-"),
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
