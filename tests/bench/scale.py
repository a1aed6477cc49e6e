"""The store at scale: the commands a user waits for, whole process, on stores of 10,000 and 100,000 annotations
spread over many documents (100 annotations a document), built with ``data.py``'s generator.

    python tests/bench/scale.py                    # 10,000 over 100 documents and 100,000 over 1,000
    python tests/bench/scale.py --sizes 10000      # one size
    python tests/bench/scale.py --quick            # a smoke run on 1,000 annotations (the test suite runs it)

Every figure is a median over repetitions of a fresh ``python -m tui ...`` process (so it includes Python's and
marginalia's start-up), except "store load" (``Store(path)`` plus reading every annotation and theme, in this
process) and "add a highlight in the reader" (the reader's own path from key to durable write, in this process).
"reader first screen" is process start to the first painted frame on one document (headless), and "reader RSS"
that process's peak resident memory at that moment; "vs empty" is the same on an empty store. Targets (from
issue 16) are printed beside the figures, never asserted. A repeated command trusts what the run before learnt
from the files that did not change (``tui.known``); "nothing known" rows read and check every file each time.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path[:0] = [str(HERE), str(HERE.parent.parent)]

import data  # noqa: E402
import run  # noqa: E402

from tui.storage import shard_folder  # noqa: E402

PER_DOCUMENT = 100  # annotations per document, as in the 100,000 over 1,000 documents
DOC_SIZE = 20_000  # bytes of prose per document


def cli(env: dict[str, str], *args: str) -> float:
    """Seconds for one ``marginalia ARGS`` process; fails loudly if the command fails."""
    started = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "-m", "tui", *args], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=env, timeout=600
    )
    seconds = time.perf_counter() - started
    if done.returncode != 0:
        raise RuntimeError(f"marginalia {' '.join(args)} failed: {done.stderr.decode()[-500:]}")
    return seconds


def first_screen(env: dict[str, str], document: Path) -> tuple[float, float]:
    """(seconds from process start to the reader's first painted frame on ``document``, peak RSS in bytes)."""
    started = time.time()
    child = subprocess.Popen(
        [sys.executable, str(HERE / "child.py"), "paint-doc", str(document)],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env,
    )  # fmt: skip
    try:
        line = child.stdout.readline() if child.stdout else ""
    finally:
        child.kill()
        _, err = child.communicate(timeout=60)
    if not line.strip():
        raise RuntimeError(f"reader first screen failed: {err.strip()[-500:]}")
    painted, rss = line.split()
    return float(painted) - started, float(rss)


async def add_in_reader(document: Path, store_path: Path, reps: int) -> float:
    """Median seconds from creating a highlight in the reader (as its ``h`` key does) to its write returning."""
    from tui.document import load_paths
    from tui.store import Store
    from tui.ui.app import MarginaliaApp
    from tui.ui.dialogs import Tagging

    app = MarginaliaApp(load_paths([document]), Store(store_path))
    durable: list[float] = []
    async with app.run_test(size=run.SIZE) as pilot:
        await pilot.pause()
        await run.wait_for(lambda: not app.workers, pilot)  # the start's re-anchoring and reload
        view = app.views[0]
        written = run.time_writes(app.store)
        for rep in range(reps):
            start = 100 + 300 * rep  # well inside a document of DOC_SIZE
            view.move_to(start)
            t = time.perf_counter()
            app._create(view, (start, start + 40), Tagging(["bench"], ""))
            await run.wait_for(lambda: len(written) == len(durable) + 1 and not app.workers, pilot)
            durable.append(written[-1] - t)
    return run.median(durable)


def median_of(reps: int, measure, warm: bool = True) -> float:  # type: ignore[no-untyped-def]
    """Median of ``reps`` runs of ``measure()`` (after one unmeasured run that compiles bytecode, if ``warm``)."""
    if warm:
        measure()
    return run.median([measure() for _ in range(reps)])


def rows_for(folder: Path, count: int, reps: int, warm: bool = True) -> list[list[str]]:
    documents = max(count // PER_DOCUMENT, 1)
    docs = data.write_corpus(folder / f"docs-{count}", documents, DOC_SIZE)
    store_path = folder / f"store-{count}" / "annotations.json"
    data.write_store(store_path, docs, count)
    empty = folder / f"empty-{count}" / "annotations.json"
    env = dict(run.child_env(folder), MARGINALIA_STORE=str(store_path), MARGINALIA_CODER="bench")
    one = docs[len(docs) // 2]
    text = one.read_text(encoding="utf-8")

    from tui.store import Store

    def load() -> float:
        t = time.perf_counter()
        store = Store(store_path)
        store.annotations()
        store.themes()
        return time.perf_counter() - t

    positions = iter(range(0, len(text) - 200, 97))

    def tag() -> float:  # a new passage each time, so every run creates one annotation
        pos = next(positions)
        needle = text[pos : pos + 24]
        return cli(env, "tag", str(one), "--match", needle, "--theme", "bench", "--first")

    figures = {
        "store load": median_of(reps, load, warm),
        "`tag` one more": median_of(reps, tag, warm),
        "`list --format json`": median_of(reps, lambda: cli(env, "list", "--format", "json"), warm),
        "`list` (the table)": median_of(reps, lambda: cli(env, "list"), warm),
        "`list --doc`": median_of(reps, lambda: cli(env, "list", "--doc", str(one), "--format", "json"), warm),
        "`export`": median_of(reps, lambda: cli(env, "export"), warm),
    }
    cold = dict(env, MARGINALIA_KNOWN="off")  # every document read and every shard checked (``tui.known``)
    figures["`list --format json`, nothing known"] = median_of(
        reps, lambda: cli(cold, "list", "--format", "json"), warm
    )
    figures["`export`, nothing known"] = median_of(reps, lambda: cli(cold, "export"), warm)
    skip = 1 if warm else 0
    screens = [first_screen(env, one) for _ in range(reps + skip)][skip:]
    empty_env = dict(env, MARGINALIA_STORE=str(empty))
    bare = [first_screen(empty_env, one) for _ in range(reps + skip)][skip:]
    figures["reader first screen"] = run.median([s for s, _ in screens])
    rss = run.median([r for _, r in screens])
    start_empty = run.median([s for s, _ in bare])
    rss_empty = run.median([r for _, r in bare])
    add = asyncio.run(add_in_reader(one, store_path, reps))
    targets = {
        "`tag` one more": 0.5,
        "`list --format json`": 3.0,
        "`list` (the table)": 3.0,
        "`list --doc`": 0.5,
        "`export`": 5.0,
    }
    targets |= {"`list --format json`, nothing known": 3.0, "`export`, nothing known": 5.0}
    out = [
        [f"{count:,} / {documents:,} docs", name, f"{value:.2f} s", f"< {targets[name]:g} s" if name in targets else ""]
        for name, value in figures.items()
    ]
    out[-1][3] = f"{start_empty:.2f} s empty: {figures['reader first screen'] / start_empty:.2f}x (≤ 1.3x)"
    out.append([out[0][0], "reader RSS", f"{rss / 2**20:.0f} MB", f"{rss_empty / 2**20:.0f} MB empty"])
    out.append([out[0][0], "add a highlight in the reader: durable", f"{add * 1000:.0f} ms", "< 50 ms"])
    return out


def theme_rows(folder: Path, count: int, reps: int, warm: bool = True) -> list[list[str]]:
    """A rename, a merge and a deletion of a theme carried across every document (whole process), each on a fresh copy of
    the store (a merge cannot be repeated on the same one)."""
    documents = max(count // PER_DOCUMENT, 1)
    docs = data.write_corpus(folder / f"docs-{count}", documents, DOC_SIZE)
    source = folder / f"themes-{count}" / "annotations.json"
    data.write_store(source, docs, count)
    files = len(shard_files(source))
    scratch = folder / f"scratch-{count}"

    def fresh() -> dict[str, str]:
        shutil.rmtree(scratch, ignore_errors=True)
        shutil.copytree(source.parent, scratch)
        store = scratch / "annotations.json"
        return dict(run.child_env(folder), MARGINALIA_STORE=str(store), MARGINALIA_CODER="bench")

    def rename() -> float:
        return cli(fresh(), "theme", "rename", "sanctions", "measures")

    def merge() -> float:
        return cli(fresh(), "theme", "merge", "history", "--into", "diplomacy")

    def delete() -> float:  # (it reads every shard to count the annotations that lose the theme)
        return cli(fresh(), "theme", "delete", "economy", "--yes")

    label = f"{count:,} / {documents:,} docs"
    figures = {"`theme rename` (every document)": median_of(reps, rename, warm),
               "`theme merge` (every document)": median_of(reps, merge, warm),
               "`theme delete` (every document)": median_of(reps, delete, warm)}  # fmt: skip
    shutil.rmtree(scratch, ignore_errors=True)
    return [[label, name, f"{value:.2f} s", f"{files:,} shards; O(codebook)"] for name, value in figures.items()]


def shard_files(store: Path) -> list[Path]:
    return sorted(shard_folder(store).glob("*.json"))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", default="10000,100000", help="store sizes, comma-separated")
    parser.add_argument("--reps", type=int, default=3)
    parser.add_argument("--quick", action="store_true", help="1,000 annotations, one repetition")
    parser.add_argument("--keep", metavar="DIR", help="generate the data into DIR and keep it")
    parser.add_argument("--rows", choices=("all", "themes"), default="all", help="themes: only the theme rows")
    args = parser.parse_args(argv)
    sizes = [1000] if args.quick else [int(s) for s in args.sizes.split(",")]
    reps = 1 if args.quick else args.reps
    began = time.perf_counter()
    table = [["store", "scenario", "figure", "target"]]
    with run.workspace(args.keep) as folder:
        os.environ["MARGINALIA_STORE"] = str(folder / "default-store" / "annotations.json")  # never a real store
        for count in sizes:
            if args.rows == "all":
                table += rows_for(folder, count, reps, warm=not args.quick)
            table += theme_rows(folder, count, reps, warm=not args.quick)
    widths = [max(len(line[i]) for line in table) for i in range(4)]
    print(f"marginalia scale benchmark; {run.machine()}; took {time.perf_counter() - began:.0f} s")
    for n, line in enumerate(table):
        print("  ".join(cell.ljust(w) for cell, w in zip(line, widths)).rstrip())
        if n == 0:
            print("  ".join("-" * w for w in widths))
    return 0


if __name__ == "__main__":
    sys.exit(main())
