"""A long PDF: how long its extraction takes, and how fast it opens again from its snapshot.

    python tests/bench/formats.py              # a generated 300-page report (six paragraphs a page)
    python tests/bench/formats.py --pages 30   # another length
    python tests/bench/formats.py --quick      # a smoke run on 5 pages (the test suite runs it)
    python tests/bench/formats.py --profile    # also the extraction's ten costliest functions (cProfile)

"extract" is ``load_document`` on a file without a snapshot (pypdf for the page labels and metadata, pdfminer.six
for the text boxes, our reading order, the snapshot written); "reopen" is the same call once the snapshot exists
(read and parsed, no extraction), the median of five; "read as text" is the extracted text saved as a .txt file
and opened like one, for comparison. "In the reader" opens the PDF (no snapshot) beside a text file, headless:
its first paint, the moment the text replaces the progress (a child process extracts it), and the longest the
event loop went without running meanwhile (a 1 ms ticker): how long a key would wait. Figures depend on the machine and its load (printed first); never asserted.
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import os
import pstats
import statistics
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path[:0] = [str(HERE), str(HERE.parent), str(HERE.parent.parent)]  # ``run`` here, ``makedocs``, ``tui``

from makedocs import make_pdf  # noqa: E402
from run import StallMonitor  # noqa: E402

from tui.document import load_document  # noqa: E402
from tui.formats import snapshot  # noqa: E402


def timed(call, repeat: int = 1) -> float:
    runs = []
    for _ in range(repeat):
        started = time.perf_counter()
        call()
        runs.append(time.perf_counter() - started)
    return statistics.median(runs)


async def reader_rows(pdf: Path, text: Path) -> list[tuple[str, float]]:
    from tui.document import load_paths
    from tui.store import Store
    from tui.ui.app import MarginaliaApp
    from tui.ui.pane import ExtractingPane

    started = time.perf_counter()
    documents = load_paths([pdf, text], defer=True)
    app = MarginaliaApp(documents, Store(pdf.parent / "store" / "annotations.json"))
    monitor = StallMonitor()
    async with app.run_test(size=(160, 48)) as pilot:
        await pilot.pause()
        painted = time.perf_counter() - started
        monitor.start()
        while app.query(ExtractingPane):
            await pilot.press("down")  # keys into the text file's pane meanwhile
            await pilot.pause(0.05)
        shown = time.perf_counter() - started
        stalled = await monitor.stop()
        monitor.start()  # the reference: the same keys in the same app, nothing being extracted
        for _ in range(40):
            await pilot.press("down")
            await pilot.pause(0.05)
        reference = await monitor.stop()
    return [
        ("in the reader: first paint", painted),
        ("in the reader: text shown", shown),
        ("in the reader: longest input wait", stalled),
        ("  the same keys, nothing extracted (ref.)", reference),
    ]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pages", type=int, default=300)
    parser.add_argument("--quick", action="store_true", help="5 pages: a smoke run")
    parser.add_argument("--profile", action="store_true", help="print the extraction's costliest functions")
    args = parser.parse_args(argv)
    pages = 5 if args.quick else args.pages
    print(
        f"marginalia formats benchmark, {pages}-page PDF; load average {' '.join(f'{x:.2f}' for x in os.getloadavg())}"
    )
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        started = time.perf_counter()
        pdf = make_pdf(folder / "report.pdf", pages=pages, paragraphs=6, labels=True)
        made = time.perf_counter() - started
        snapshot.use_folder(folder / "snapshots")
        rows = [("generate it (reportlab)", made)]
        profile = cProfile.Profile() if args.profile else None
        if profile is not None:
            profile.enable()
        document = None

        def extract() -> None:
            nonlocal document
            document = load_document(pdf)

        rows.append(("extract (no snapshot yet)", timed(extract)))
        if profile is not None:
            profile.disable()
        assert document is not None and len(document.pages) == pages
        rows.append(("  per page", rows[-1][1] / pages))
        rows.append(("reopen from its snapshot", timed(lambda: load_document(pdf), repeat=5)))
        text = folder / "report.txt"
        text.write_text(document.text, encoding="utf-8")
        rows.append(("read the same text as a .txt file", timed(lambda: load_document(text), repeat=5)))
        snapshot.use_folder(folder / "reader-snapshots")  # none yet: the reader must extract it
        rows += asyncio.run(reader_rows(pdf, text))
        size = len(document.text.encode("utf-8"))
        print(f"{pages} pages, {size / 1e6:.2f} MB of text, {pdf.stat().st_size / 1e6:.2f} MB of PDF")
        for label, seconds in rows:
            figure = f"{seconds:.2f} s" if seconds >= 1 else f"{seconds * 1000:.1f} ms"
            print(f"{label:<40}{figure:>12}")
        if profile is not None:
            pstats.Stats(profile).sort_stats("cumulative").print_stats(25)
    return 0


if __name__ == "__main__":
    sys.exit(main())
