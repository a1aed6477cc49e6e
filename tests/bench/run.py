"""marginalia's speed benchmark: prints one table of scenario, figure, target and the ratio to a reference
measured in the same run (where there is one).

    python tests/bench/run.py            # the full run: 5 MB documents, a 10,000-annotation store
    python tests/bench/run.py --quick    # a smoke run of a few seconds on small data (the test suite runs it)
    python tests/bench/run.py --doc PATH # also the document scenarios on a real book

Figures are medians over repetitions. Rendering work per key is the widget's own work (the action, plus
``render_line`` for every visible row afterwards), not pilot wall time, which is mostly the framework waiting.
"Input blocked" is the longest the event loop went without running (a 1 ms ticker in the app's loop), which is
how long a key press would wait. Targets are for a 2-core machine; they are printed, never asserted.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import importlib.util
import os
import platform
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent.parent
sys.path[:0] = [str(HERE), str(ROOT)]  # ``data`` beside this file; ``tui`` from this checkout

import data  # noqa: E402

SIZE = (160, 48)  # the terminal every in-process scenario runs in
RESIZED = (120, 40)
BLOCK_LIMIT = 0.05  # "without blocking input": no key waits longer than this


# -- the table ---------------------------------------------------------------------------------------------------
@dataclass
class Row:
    scenario: str
    value: float | None  # seconds, bytes or a plain number (see ``unit``); None: not measured (``note`` says why)
    unit: str = "s"  # "s", "B"
    limit: float | None = None  # the target, in ``unit`` (or, with ``ref``, as a ratio to the reference)
    ref: float | None = None  # the reference figure, for targets given as a ratio
    note: str = ""

    @property
    def ratio(self) -> float | None:
        return self.value / self.ref if self.value is not None and self.ref else None

    def figure(self) -> str:
        if self.value is None:
            return self.note or "n/a"
        if self.unit == "B":
            return f"{self.value / 2**20:.0f} MB" if self.value >= 2**20 else f"{self.value / 1024:.1f} KB"
        if self.value < 1:
            return f"{self.value * 1000:.1f} ms" if self.value < 0.1 else f"{self.value * 1000:.0f} ms"
        return f"{self.value:.2f} s"

    def target(self) -> str:
        if self.limit is None:
            return "-"
        if self.ref is not None:
            return f"≤ {self.limit:g}x ref"
        if self.unit == "B":
            return f"< {self.limit / 2**20:.0f} MB" if self.limit >= 2**20 else f"< {self.limit / 1024:g} KB"
        return f"< {self.limit * 1000:.0f} ms" if self.limit < 1 else f"< {self.limit:g} s"

    def verdict(self) -> str:
        if self.value is None or self.limit is None:
            return ""
        measured = self.ratio if self.ref is not None else self.value
        return "ok" if measured is not None and measured <= self.limit else "OVER"


def print_table(rows: list[Row], header: str) -> None:
    table = [("scenario", "figure", "target", "vs ref", "", "notes")]
    for row in rows:
        ratio = f"{row.ratio:.2f}x ({Row('', row.ref).figure()})" if row.ratio is not None else ""
        table.append((row.scenario, row.figure(), row.target(), ratio, row.verdict(), row.note if row.value else ""))
    widths = [max(len(line[i]) for line in table) for i in range(len(table[0]))]
    print(header)
    for n, line in enumerate(table):
        print("  ".join(cell.ljust(w) for cell, w in zip(line, widths)).rstrip())
        if n == 0:
            print("  ".join("-" * w for w in widths))


def machine() -> str:
    cpu = platform.processor() or platform.machine()
    with contextlib.suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    import textual

    return (
        f"{cpu}, {os.cpu_count()} cores, Python {platform.python_version()}, Textual {textual.__version__}, "
        f"{platform.system()}"
    )


# -- measuring helpers -----------------------------------------------------------------------------------------------
def median(values: list[float]) -> float:
    return statistics.median(values)


def time_writes(store: Any) -> list[float]:
    """When each ``store.put`` returned, from now on: when a highlight made in the reader is on disk."""
    put = store.put
    written: list[float] = []

    def timed_put(annotation):  # type: ignore[no-untyped-def]
        put(annotation)
        written.append(time.perf_counter())

    store.put = timed_put  # type: ignore[method-assign]
    return written


class StallMonitor:
    """The longest gap between ticks of a 1 ms ticker in the running event loop: how long input would wait."""

    def __init__(self) -> None:
        self.longest = 0.0
        self._task: asyncio.Task[None] | None = None

    async def _tick(self) -> None:
        last = time.perf_counter()
        while True:
            await asyncio.sleep(0.001)
            now = time.perf_counter()
            self.longest = max(self.longest, now - last)
            last = now

    def start(self) -> None:
        self.longest = 0.0
        self._task = asyncio.get_running_loop().create_task(self._tick())

    async def stop(self) -> float:
        assert self._task is not None
        await asyncio.sleep(0.002)  # one more tick, so a stall that just ended is counted
        self._task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await self._task
        return self.longest


def render_visible(view) -> None:  # type: ignore[no-untyped-def]
    """What the compositor asks of the view for a full repaint: every visible row."""
    for y in range(view.size.height):
        view.render_line(y)


def timed_app(base: type):  # type: ignore[no-untyped-def]
    """``base`` that notes when its first frame (with its widgets mounted) was painted, and the first frame
    painted once ``watch()`` holds."""

    class Timed(base):  # type: ignore[misc, valid-type]
        first_paint: float | None = None
        watch: Callable[[], bool] | None = None
        watched: float | None = None

        def post_display_hook(self) -> None:
            if self.first_paint is None and self.screen.is_mounted and len(self.screen.children):
                self.first_paint = time.perf_counter()
            if self.watch is not None and self.watched is None and self.watch():
                self.watched = time.perf_counter()

    return Timed


def all_rows_wrapped(app) -> bool:  # type: ignore[no-untyped-def]
    """The first view has rows for its whole text (not only for its first screens)."""
    views = app.views
    return bool(views) and views[0].wrapped is not None and views[0].wrapped.text is views[0].text


async def resize(app, pilot, view, size: tuple[int, int]) -> tuple[float, float]:  # type: ignore[no-untyped-def]
    """Resize the terminal (as ``pilot.resize_terminal`` does, without its pause): (seconds until a frame shows
    the document re-wrapped at the new width, longest the event loop was blocked meanwhile)."""
    from textual.events import Resize
    from textual.geometry import Size

    width = view._text_width()
    app.watched = None
    app.watch = lambda: view._text_width() != width and view.wrapped.width == view._text_width()
    monitor = StallMonitor()
    monitor.start()
    started = time.perf_counter()
    app._driver._size = Size(*size)
    app.post_message(Resize(Size(*size), Size(*size)))
    await wait_for(lambda: app.watched is not None, pilot)
    return app.watched - started, await monitor.stop()


HELD_GAP = 0.033  # seconds between two presses of a key held down (a terminal's key repeat, about 30 a second)


async def held_key(app, pilot, view, key: str, presses: int) -> list[float]:  # type: ignore[no-untyped-def]
    """``key`` held down: pressed every ``HELD_GAP`` (from another thread, as a terminal driver's input thread
    sends keys), each timed from the press to the painted frame that shows the view scrolled."""
    import queue
    import threading

    from textual.events import Key

    loop = asyncio.get_running_loop()
    pressed: queue.Queue[bool] = queue.Queue()

    def terminal() -> None:
        while pressed.get():
            asyncio.run_coroutine_threadsafe(app._post_message(Key(key, None)), loop)

    sender = threading.Thread(target=terminal, daemon=True)
    sender.start()
    waits = []
    try:
        for _ in range(presses):
            before = view.scroll_offset.y
            app.watched, app.watch = None, lambda: view.scroll_offset.y != before
            started = time.perf_counter()
            pressed.put(True)
            await wait_for(lambda: app.watched is not None, pilot)
            waits.append(app.watched - started)
            await asyncio.sleep(max(0.0, HELD_GAP - (time.perf_counter() - started)))
    finally:
        pressed.put(False)
        sender.join()
    return waits


async def wait_for(condition: Callable[[], bool], pilot, timeout: float = 60.0) -> None:  # type: ignore[no-untyped-def]
    """Let the app run (its own timers paint, as in real use: no pilot pauses) until ``condition()``."""
    deadline = time.perf_counter() + timeout
    while not condition():
        if time.perf_counter() > deadline:
            raise TimeoutError("benchmark step did not finish")
        await asyncio.sleep(0.001)


def child_env(folder: Path) -> dict[str, str]:
    """For a process of its own: this checkout's ``tui``, and compiled bytecode kept (in ``folder``) as an
    installed package has it, even where PYTHONDONTWRITEBYTECODE is set: else every start compiles ``tui``; what
    is learnt from unchanged files (``tui.known``) is kept in ``folder`` too."""
    env = dict(os.environ, PYTHONPYCACHEPREFIX=str(folder / "pycache"), XDG_CACHE_HOME=str(folder / "cache"))
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), env.get("PYTHONPATH")]))
    return env


# -- scenarios -------------------------------------------------------------------------------------------------------
def first_paint_rows(folder: Path, reps: int) -> list[Row]:
    """Process start to first painted frame, headless: a bare Textual app and ``marginalia`` on the seeds,
    interleaved so both see the same machine (after one run of each that compiles their bytecode)."""
    env = dict(child_env(folder), MARGINALIA_STORE=str(folder / "paint" / "annotations.json"))
    times: dict[str, list[float]] = {"bare": [], "seeds": []}
    for rep in range(reps + 1):
        for which in times:
            started = time.time()
            child = subprocess.Popen(
                [sys.executable, str(HERE / "child.py"), "paint", which],
                stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env,
            )  # fmt: skip
            try:
                line = child.stdout.readline() if child.stdout else ""
            finally:
                child.kill()  # its shutdown is not part of the figure
                _, err = child.communicate(timeout=60)
            if not line.strip():
                raise RuntimeError(f"first paint ({which}) failed: {err.strip()[-500:]}")
            if rep:
                times[which].append(float(line) - started)
    bare = median(times["bare"])
    return [
        Row("start to first paint: bare Textual app (reference)", bare),
        Row("start to first paint: the two seeds", median(times["seeds"]), limit=1.5, ref=bare),
    ]


async def document_rows(path: Path, label: str, store_path: Path, reps: int, keys: int) -> list[Row]:
    """Open ``path`` (first paint), page down and move the cursor through it, then resize the terminal."""
    from textual.app import App, ComposeResult
    from textual.widgets import Static

    from tui.document import load_paths
    from tui.layout import Layout
    from tui.store import Store
    from tui.ui.app import MarginaliaApp

    class Bare(App[None]):
        def compose(self) -> ComposeResult:
            yield Static("Hello, world")

    opened, bare_opened, whole, opening, pages, cursor, wrap, resized, blocked = [], [], [], [], [], [], [], [], []
    held: list[float] = []
    for rep in range(reps):
        app = timed_app(Bare)()
        started = time.perf_counter()
        async with app.run_test(size=SIZE) as pilot:
            await wait_for(lambda: app.first_paint is not None, pilot)
        bare_opened.append(app.first_paint - started)

        started = time.perf_counter()
        app = timed_app(MarginaliaApp)(load_paths([path]), Store(store_path))
        app.watch = lambda: all_rows_wrapped(app)
        async with app.run_test(size=SIZE) as pilot:
            await wait_for(lambda: app.first_paint is not None, pilot)
            opened.append(app.first_paint - started)
            monitor = StallMonitor()
            monitor.start()  # a big document's rows past the first screens are wrapped in a thread meanwhile
            await wait_for(lambda: app.watched is not None, pilot)
            whole.append(app.watched - started)
            opening.append(await monitor.stop())
            view = app.views[0]
            await pilot.pause()
            if rep == 0:
                view.focus()
                await pilot.pause()
                held += await held_key(app, pilot, view, "pagedown", keys)
                for _ in range(keys):
                    t = time.perf_counter()
                    view.action_move_page(1)
                    render_visible(view)
                    pages.append(time.perf_counter() - t)
                for _ in range(keys):
                    t = time.perf_counter()
                    view.action_move_row(1)
                    render_visible(view)
                    cursor.append(time.perf_counter() - t)
            text = view.text
            t = time.perf_counter()
            Layout(text, RESIZED[0] - 3)
            wrap.append(time.perf_counter() - t)

            seconds, longest = await resize(app, pilot, view, RESIZED)
            resized.append(seconds)
            blocked.append(longest)
    bare = median(bare_opened)
    return [
        Row(f"open {label}: first paint", median(opened), limit=0.3, ref=None,
            note=f"bare Textual app in-process: {Row('', bare).figure()}"),
        Row(f"open {label}: every row wrapped and drawn", median(whole)),
        Row(f"open {label}: input blocked after first paint", median(opening), limit=BLOCK_LIMIT),
        Row(f"page down in {label}: rendering work per key", median(pages), limit=0.005,
            note=f"max {Row('', max(pages)).figure()} over {len(pages)} keys"),
        Row(f"page down held in {label}: press to frame", median(held), limit=0.05,
            note=f"max {Row('', max(held)).figure()} over {len(held)} keys, one every {HELD_GAP * 1000:.0f} ms"),
        Row(f"cursor down in {label}: rendering work per key", median(cursor), limit=0.005,
            note=f"max {Row('', max(cursor)).figure()} over {len(cursor)} keys"),
        Row(f"re-wrap {label} (Layout alone)", median(wrap)),
        Row(f"resize with {label}: re-wrapped and drawn", median(resized), limit=0.3),
        Row(f"resize with {label}: input blocked", median(blocked), limit=BLOCK_LIMIT),
    ]  # fmt: skip


async def store_app_rows(document: Path, store_path: Path, count: int, reps: int, keys: int) -> list[Row]:
    """The reader on the document holding ``count`` annotations: page down through highlights, add highlights."""
    from tui.document import load_paths
    from tui.store import Store
    from tui.ui.app import MarginaliaApp
    from tui.ui.dialogs import Tagging

    app = MarginaliaApp(load_paths([document]), Store(store_path))
    pages, on_screen, durable, blocked = [], [], [], []
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        view = app.views[0]
        await wait_for(lambda: len(view.highlights.marks) >= count, pilot)
        for _ in range(keys):
            t = time.perf_counter()
            view.action_move_page(1)
            render_visible(view)
            pages.append(time.perf_counter() - t)

        written = time_writes(app.store)
        monitor = StallMonitor()
        for _ in range(reps):
            view.action_move_page(1)
            await pilot.pause()
            span = (view.cursor, view.cursor + 40)
            monitor.start()
            t = time.perf_counter()
            app._create(view, span, Tagging(["bench"], ""))
            render_visible(view)
            on_screen.append(time.perf_counter() - t)
            await wait_for(lambda: len(written) == len(durable) + 1 and not app.workers, pilot)
            durable.append(written[-1] - t)
            blocked.append(await monitor.stop())
    return [
        Row(f"page down through {count:,} highlights: rendering work per key", median(pages), limit=0.005,
            note=f"max {Row('', max(pages)).figure()} over {len(pages)} keys"),
        Row(f"add a highlight, {count:,} in the store: on screen", median(on_screen), limit=0.02),
        Row(f"add a highlight, {count:,} in the store: in the store", median(durable), limit=0.1),
        Row(f"add a highlight, {count:,} in the store: input blocked", median(blocked), limit=BLOCK_LIMIT,
            note="until saved and reloaded"),
    ]  # fmt: skip


def store_rows(store_path: Path, count: int, reps: int, scratch: Path) -> list[Row]:
    from tui.store import Store

    loads = []
    for _ in range(reps):
        t = time.perf_counter()
        store = Store(store_path)
        store.annotations()
        store.themes()
        loads.append(time.perf_counter() - t)
    rows = [Row(f"load a {count:,}-annotation store", median(loads), limit=0.5)]

    try:
        from tui.export import render_store
    except ImportError:
        rows.append(Row(f"export {count:,} annotations as Markdown", None, limit=1.0, note="n/a (export not built)"))
    else:
        exports = []
        for _ in range(reps):
            t = time.perf_counter()
            render_store(Store(store_path), "markdown")
            exports.append(time.perf_counter() - t)
        rows.append(Row(f"export {count:,} annotations as Markdown", median(exports), limit=1.0,
                        note="documents loaded and checked too"))  # fmt: skip

    env = child_env(scratch)
    for name, argv in (("list --format json", ["list", "--format", "json"]), ("export", ["export"])):
        walls, cpus = [], []
        for rep in range(reps + 1):
            before = resource.getrusage(resource.RUSAGE_CHILDREN)
            t = time.perf_counter()
            done = subprocess.run(
                [sys.executable, "-m", "tui", *argv, "--store", str(store_path)],
                stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=env, timeout=120,
            )  # fmt: skip
            if done.returncode != 0:
                raise RuntimeError(f"marginalia {name} failed: {done.stderr.decode()[-500:]}")
            after = resource.getrusage(resource.RUSAGE_CHILDREN)
            if rep:  # the first one compiles the bytecode
                walls.append(time.perf_counter() - t)
                cpus.append(after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime)
        rows.append(
            Row(
                f"`marginalia {name}`, {count:,} annotations, whole process",
                median(walls),
                limit=1.0,
                note=f"CPU {Row('', median(cpus)).figure()} (wall time stretches on a loaded machine)",
            )
        )
    rows.append(annotation_memory_row(store_path, count, env))
    return rows


def annotation_memory_row(store_path: Path, count: int, env: dict[str, str]) -> Row:
    """Memory per annotation the reader holds: the store's parsed state and the annotations made from it."""
    done = subprocess.run(
        [sys.executable, str(HERE / "child.py"), "annotation-memory", str(store_path)],
        capture_output=True, text=True, env=env, timeout=120,
    )  # fmt: skip
    if done.returncode != 0:
        raise RuntimeError(f"annotation memory run failed: {done.stderr.strip()[-500:]}")
    return Row(
        f"memory per annotation held, {count:,} in the store",
        float(done.stdout.split()[-1]),
        unit="B",
        limit=1024,
        note="the store's parsed state and the annotations made from it (tracemalloc)",
    )


def memory_row(document: Path, store_path: Path, count: int, label: str) -> Row:
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")])))
    done = subprocess.run(
        [sys.executable, str(HERE / "child.py"), "memory", str(document), str(store_path)],
        capture_output=True, text=True, env=env, timeout=300,
    )  # fmt: skip
    if done.returncode != 0:
        raise RuntimeError(f"memory run failed: {done.stderr.strip()[-500:]}")
    return Row(f"peak memory, {label} and {count:,} annotations", float(done.stdout.split()[-1]), unit="B",
               limit=200 * 2**20, note="open, page, resize, add and save a highlight")  # fmt: skip


def reanchor_row(quick: bool) -> Row | None:
    """The re-anchoring benchmark's figure, if ``reanchor.py`` (another developer's) is there."""
    path = HERE / "reanchor.py"
    if not path.exists():
        return None
    spec = importlib.util.spec_from_file_location("bench_reanchor", path)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    size, count = (100_000, 100) if quick else (1_000_000, 1_000)
    try:
        result = module.measure(size=size, annotations=count, edits=count * 3 // 10)
    except TypeError:  # its signature changed: its own defaults
        result = module.measure()
        size, count = result.get("size", size), result.get("annotations", count)
    seconds = result if isinstance(result, (int, float)) else result["seconds"]
    checks = "" if isinstance(result, (int, float)) else f"wrong {result.get('wrong')}, dropped {result.get('dropped')}"
    if isinstance(result, dict) and "cpu_seconds" in result:
        checks += f", CPU {result['cpu_seconds']:.2f} s, load average {os.getloadavg()[0]:.1f}"
    return Row(f"re-anchor {count:,} annotations in a {size / 1e6:.1g} MB document", float(seconds), limit=2.0,
               note=checks)  # fmt: skip


@contextlib.contextmanager
def workspace(keep: str | None) -> Iterator[Path]:
    if keep:
        Path(keep).mkdir(parents=True, exist_ok=True)
        yield Path(keep)
        return
    with tempfile.TemporaryDirectory(prefix="marginalia-bench-") as folder:
        yield Path(folder)


def in_process_rows(folder: Path, args: argparse.Namespace, size: int, count: int, reps: int, keys: int) -> list[Row]:
    """The scenarios measured inside this process (and the headless start-up ones)."""
    mb = f"{size / 1e6:g} MB"
    prose_path, cjk_path = data.write_documents(folder / "docs", size)
    store_path = folder / "store" / "annotations.json"
    data.write_store(store_path, prose_path, count)
    empty = folder / "empty" / "annotations.json"

    rows = first_paint_rows(folder, 1 if args.quick else 2 * reps + 1)
    documents = [(prose_path, f"{mb} prose"), (cjk_path, f"{mb} CJK+emoji")]
    documents += [(Path(p).expanduser().resolve(), Path(p).name) for p in args.doc]
    for path, label in documents:
        rows += asyncio.run(document_rows(path, label, empty, 1 if args.quick else 3, keys))
    rows += asyncio.run(store_app_rows(prose_path, store_path, count, 2 if args.quick else reps, keys))
    rows += store_rows(store_path, count, 1 if args.quick else reps, folder)
    rows.append(memory_row(prose_path, store_path, count, f"{mb} document"))
    reanchor = reanchor_row(args.quick)
    if reanchor is not None:
        rows.append(reanchor)

    return rows


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="small data, one repetition: a smoke run")
    parser.add_argument("--doc", action="append", default=[], metavar="PATH", help="also measure this document")
    parser.add_argument("--keep", metavar="DIR", help="generate the data into DIR and keep it")
    parser.add_argument("--terminal", action="store_true", help="only the terminal section")
    parser.add_argument("--no-terminal", action="store_true", help="all but the terminal section")
    parser.add_argument(
        "--compare",
        action="append",
        default=[],
        metavar="DIR",
        help="also run marginalia from this checkout in the terminal section (before and after)",
    )
    parser.add_argument("--max-mb", type=float, metavar="N", help="terminal section: no generated document over N MB")
    parser.add_argument("--reps", type=int, help="repetitions of each terminal run (default: 1 quick, 5 full)")
    parser.add_argument("--waits", action="store_true", help="terminal section: only the longest input waits")
    args = parser.parse_args(argv)

    size, count, reps, keys = (300_000, 1_000, 1, 5) if args.quick else (5_000_000, 10_000, 5, 40)
    began = time.perf_counter()
    with workspace(args.keep) as folder:
        os.environ["MARGINALIA_STORE"] = str(folder / "default-store" / "annotations.json")  # never a real store
        rows: list[Row] = []
        notes: list[str] = []
        if not args.terminal:
            rows += in_process_rows(folder, args, size, count, reps, keys)
        if not args.no_terminal:
            import terminal

            extra = [Path(p).expanduser().resolve() for p in args.doc]
            compare = [Path(p).resolve() for p in args.compare]
            reps = args.reps or (1 if args.quick else 5)
            section, notes = terminal.terminal_rows(
                folder, args.quick, reps, extra, compare, Row, args.max_mb, waits_only=args.waits
            )
            rows += section

    kind = "quick smoke run (small data: figures not comparable to the targets)" if args.quick else "full run"
    print_table(rows, f"marginalia benchmark, {kind}; {machine()}; took {time.perf_counter() - began:.0f} s")
    for note in notes:
        print(note)
    return 0


if __name__ == "__main__":
    sys.exit(main())
