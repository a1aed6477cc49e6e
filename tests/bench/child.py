"""Benchmark scenarios that need a process of their own (run by ``run.py``, one scenario per process).

``child.py paint bare``: a bare Textual app (one Static) until its first frame is painted, headless.
``child.py paint seeds``: ``marginalia`` with no arguments (the two seeds), the same way, through ``tui.cli.main``.
Both print the wall-clock time (``time.time()``) of their first painted frame; the parent subtracts the time it
started the process.
``child.py bare``: a bare Textual app in the terminal it is started in (the terminal section's reference).
``child.py floor``: the least a Textual app does for a page down, in the terminal (the page-down reference).
``child.py paint-doc DOC``: ``marginalia read DOC`` (the store from ``MARGINALIA_STORE``) the same way; prints the
time of its first frame and its peak resident memory in bytes then, on one line.
``child.py annotation-memory STORE``: bytes per annotation that the store and its annotations hold (tracemalloc).
``child.py memory DOC STORE``: the reader on DOC with STORE: open, page through, resize, add a highlight and wait
until it is saved; prints the peak resident memory in bytes.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

SIZE = (160, 48)


def first_paint_hook(rss: bool = False) -> None:
    """Make every App headless, and have it print the time of its first painted frame (and with ``rss`` its peak
    resident memory) and exit."""
    from textual.app import App

    run = App.run

    def headless_run(self: App, *args: object, **kwargs: object) -> object:
        kwargs.update(headless=True, size=SIZE)
        return run(self, *args, **kwargs)

    def post_display_hook(self: App) -> None:
        if not getattr(self, "_bench_painted", False) and self.screen.is_mounted and len(self.screen.children):
            self._bench_painted = True
            painted = time.time()
            print(f"{painted:.6f} {peak_rss()}" if rss else f"{painted:.6f}", flush=True)
            self.exit()

    App.run = headless_run  # type: ignore[method-assign]
    App.post_display_hook = post_display_hook  # type: ignore[method-assign]


def bare() -> None:
    """A bare Textual app in the terminal, as a user starts one (the terminal section's reference)."""
    from textual.app import App, ComposeResult
    from textual.widgets import Static

    class Bare(App[None]):
        def compose(self) -> ComposeResult:
            yield Static("Hello, world")

    Bare().run()


def floor() -> None:
    """The least a Textual app does to show the next screen: a Line API view (as Textual's ``Log``) of rows all
    drawn in advance, with no scrollbar; page down scrolls a screen. Its ``render_lines`` hands the compositor
    those rows as they are (as the reader's view does with the rows it drew ahead, tui/ui/document_view.py),
    not through Textual's styles cache, which builds every row again on every scroll; and they were filtered and
    turned into terminal output once, in advance. What every page down of any Textual app costs at least: its key
    dispatch, its compositor and its output, in the same terminal."""
    from rich.segment import Segment
    from textual.app import App, ComposeResult
    from textual.binding import Binding
    from textual.geometry import Region, Size
    from textual.scroll_view import ScrollView
    from textual.strip import Strip

    words = ["the", "of", "and", "to", "in", "a", "that", "he", "was", "it", "his", "with", "as", "for", "on"]

    class Rows(ScrollView, can_focus=True):
        DEFAULT_CSS = "Rows { scrollbar-size-vertical: 0; }"
        BINDINGS = [Binding("pagedown", "page")]
        rows: list[Strip] = []

        def on_resize(self) -> None:
            width = self.size.width
            lines = [f"floor row {n} " + " ".join(words[(n + i) % len(words)] for i in range(40)) for n in range(5000)]
            filters, background = self.get_line_filters(), self.background_colors[1]
            self.rows = []
            for line in lines:
                strip = Strip([Segment(line[:width].ljust(width), self.rich_style)], width)
                for line_filter in filters:
                    strip = strip.apply_filter(line_filter, background)
                strip.render(self.app.console)
                self.rows.append(strip)
            self.virtual_size = Size(width, len(self.rows))

        def render_line(self, y: int) -> Strip:
            row = self.scroll_offset.y + y
            return self.rows[row] if row < len(self.rows) else Strip.blank(self.size.width)

        def render_lines(self, crop: Region) -> list[Strip]:
            return [self.render_line(y).crop(*crop.column_span) for y in crop.line_range]

        def action_page(self) -> None:
            self.scroll_to(y=self.scroll_y + self.size.height - 1, animate=False, immediate=True)

    class Floor(App[None]):
        def compose(self) -> ComposeResult:
            yield Rows()

    Floor().run()


def peak_rss() -> int:
    """This process's peak resident memory. On Linux from /proc (``ru_maxrss`` keeps the parent's peak across
    fork and exec, so a child of a big benchmark process would report the parent's)."""
    import resource

    try:
        status = Path("/proc/self/status").read_text(encoding="ascii")
    except OSError:
        status = ""
    for line in status.splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) * 1024

    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss  # KiB on Linux, bytes on macOS
    return peak * 1024 if sys.platform != "darwin" else peak


def paint(which: str) -> None:
    if which == "bare":
        from textual.app import App, ComposeResult
        from textual.widgets import Static

        class Bare(App[None]):
            def compose(self) -> ComposeResult:
                yield Static("Hello, world")

        first_paint_hook()
        Bare().run()
    else:
        first_paint_hook()
        from tui.cli import main

        main(["read"])


def memory(document: str, store_path: str) -> None:
    import asyncio
    import resource

    from tui.document import load_paths
    from tui.store import Store
    from tui.ui.app import MarginaliaApp
    from tui.ui.dialogs import Tagging

    async def session() -> None:
        app = MarginaliaApp(load_paths([document]), Store(store_path))
        async with app.run_test(size=SIZE) as pilot:
            await pilot.pause()
            view = app.views[0]
            for _ in range(20):
                view.action_move_page(1)
            await pilot.pause()
            await pilot.resize_terminal(120, 40)
            await pilot.pause()
            start = view.cursor
            saved = len(app.store.annotations())
            app._create(view, (start, start + 40), Tagging(["bench"], ""))
            while app.workers or len(app.store.annotations()) == saved:
                await pilot.pause(0.01)

    asyncio.run(session())
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss  # KiB on Linux
    print(peak * 1024 if sys.platform != "darwin" else peak, flush=True)


def annotation_memory(store_path: str) -> None:
    import gc
    import tracemalloc
    from pathlib import Path

    from tui.store import Store

    gc.collect()
    tracemalloc.start()
    store = Store(Path(store_path))
    held = store.annotations()
    gc.collect()
    used, _ = tracemalloc.get_traced_memory()
    print(used / max(len(held), 1), flush=True)


if __name__ == "__main__":
    if sys.argv[1] == "bare":
        bare()
    elif sys.argv[1] == "floor":
        floor()
    elif sys.argv[1] == "annotation-memory":
        annotation_memory(sys.argv[2])
    elif sys.argv[1] == "paint":
        paint(sys.argv[2])
    elif sys.argv[1] == "paint-doc":
        first_paint_hook(rss=True)
        from tui.cli import main

        main(["read", sys.argv[2]])
    else:
        memory(sys.argv[2], sys.argv[3])
