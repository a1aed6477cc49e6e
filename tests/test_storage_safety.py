"""Crash and concurrency safety with real processes: writers killed with SIGKILL at random moments, writers
running side by side, readers reading while others write."""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from conftest import annotation, child_env

from tui.storage import parse, validate
from tui.store import Store

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(not hasattr(signal, "SIGKILL"), reason="needs POSIX signals"),
]

# Adds annotations for ever, printing each new id only once add() has returned: a printed id is an acknowledged
# annotation. Between adds it also adds and deletes a bulky scratch annotation and updates notes, so the file
# grows, shrinks and is rewritten at the same size (an in-place writer breaks on a shrinking write, which leaves
# the old tail behind until it truncates); "plain" leaves the scratch out. With "go" it waits for a line on stdin
# first, so that several writers start together; with a count it stops after that many adds.
WRITER = """
import sys
from tui.model import Annotation, DocumentRef
from tui.store import Store

store = Store(sys.argv[1])
name, count, wait, scratch = sys.argv[2], int(sys.argv[3]), sys.argv[4] == "go", sys.argv[5] != "plain"
ref = DocumentRef(f"/{name}.txt", name, "0" * 64)
print("ready", flush=True)
if wait:
    sys.stdin.readline()
n = 0
while count < 0 or n < count:
    added = store.add(Annotation(ref, n, n + 1, "x", themes=[f"{name}-{n % 7}"]))
    print(added.id, flush=True)
    if n % 5 == 4:
        store.update(added.id, note=f"note {n}")
    if scratch and n % 2:
        bulk = store.add(Annotation(ref, n, n + 1, "x", themes=["scratch"], note="bulk " * 400))
        store.delete(bulk.id)
    n += 1
"""


def start_writer(store_path: Path, name: str, count: int = -1, wait: bool = False) -> subprocess.Popen[str]:
    """A writer; one with a ``count`` writes plainly, one without writes for ever with scratch writes between."""
    process = subprocess.Popen(
        [sys.executable, "-c", WRITER, str(store_path), name, str(count), "go" if wait else "now",
         "scratch" if count < 0 else "plain"],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=child_env(),
    )  # fmt: skip
    assert process.stdout is not None
    line = process.stdout.readline()
    assert line == "ready\n", process.communicate()[1]
    return process


def acknowledged_ids(lines: str) -> list[str]:
    """The ids a writer printed in full (a kill can cut the last line short)."""
    return [line.strip() for line in lines.splitlines(keepends=True) if line.endswith("\n") and len(line) == 37]


def assert_store_is_sound(store_path: Path) -> set[str]:
    """The file parses and validates as it is on disk, and a Store opens it; returns its lasting annotations' ids
    (not the scratch ones)."""
    assert validate(parse(store_path.read_bytes())) is None
    return {a.id for a in Store(store_path).annotations() if a.themes != ["scratch"]}


def test_a_writer_killed_at_random_moments_never_breaks_the_store_or_loses_an_acknowledged_write(
    store_path: Path,
) -> None:
    seed = random.randrange(1 << 30)
    rng = random.Random(seed)
    acknowledged: set[str] = set()
    kills = 40
    for round_ in range(kills):
        writer = start_writer(store_path, f"w{round_}")
        assert writer.stdout is not None
        if round_ % 4:  # mostly after a first write, so that the kill lands among writes; else during start-up
            acknowledged.update(acknowledged_ids(writer.stdout.readline()))
        time.sleep(rng.uniform(0, 0.05))  # (a first write to a new document writes its shard and the codebook)
        writer.send_signal(signal.SIGKILL)
        out, err = writer.communicate(timeout=30)
        assert writer.returncode == -signal.SIGKILL, err
        acknowledged.update(acknowledged_ids(out))
        if not store_path.exists():  # killed before its first write: the old store is no store
            assert not acknowledged
            continue
        stored = assert_store_is_sound(store_path)
        lost = acknowledged - stored
        assert not lost, f"round {round_} (seed {seed}): {len(lost)} acknowledged annotations lost"
    # the writers did write between kills: every round that waited for a first write had one (a loaded machine
    # may write nothing more before the kill, so more is not asked for)
    assert len(acknowledged) >= kills - kills // 4
    leftovers = [p for p in store_path.parent.iterdir() if p.name.endswith(".tmp")]
    assert len(leftovers) <= kills  # at most one half-written temporary file per kill, never the store itself


def test_two_processes_writing_200_annotations_each_end_with_400(store_path: Path) -> None:
    writers = [start_writer(store_path, name, count=200, wait=True) for name in ("alpha", "beta")]
    for writer in writers:
        assert writer.stdin is not None
        writer.stdin.write("go\n")
        writer.stdin.flush()
    sizes = []
    while any(w.poll() is None for w in writers):  # reading needs no lock: every read sees a whole store
        sizes.append(len(assert_store_is_sound(store_path)) if store_path.exists() else 0)
        time.sleep(0.01)
    results = [w.communicate(timeout=60) for w in writers]
    assert [w.returncode for w in writers] == [0, 0], [err for _, err in results]
    ids = [acknowledged_ids(out) for out, _ in results]
    assert [len(i) for i in ids] == [200, 200]
    store = Store(store_path)
    annotations = store.annotations()
    assert len(annotations) == 400
    assert {a.id for a in annotations} == set(ids[0]) | set(ids[1])
    assert sorted(t.name for t in store.themes()) == sorted(f"{n}-{k}" for n in ("alpha", "beta") for k in range(7))
    assert [a.note for a in annotations if a.document.path == "/alpha.txt"][4::5] == [
        f"note {n}" for n in range(4, 200, 5)
    ]
    assert sizes == sorted(sizes)  # no reader ever saw the store go back in time


def test_a_shard_written_after_the_codebook_was_read_is_not_damage(store_path: Path) -> None:
    """The race the two writers above hit: a reader takes the codebook, another process then adds a theme and the
    shard that names it, and the reader reads that shard. Readers take no lock, so this is a newer store, not a
    damaged one."""
    reader, writer = Store(store_path), Store(store_path)
    writer.add(annotation(0, 3, ["old"]))
    assert len(reader.annotations()) == 1
    real_theme_names = reader._theme_names
    writes = []

    def codebook_then_another_process_writes() -> dict[str, str | None]:
        names = real_theme_names()
        if not writes:
            writes.append(writer.add(annotation(4, 8, ["new"])))
        return names

    reader._theme_names = codebook_then_another_process_writes  # type: ignore[method-assign]
    assert [a.themes for a in reader.annotations()] == [["old"], ["new"]]
    assert writes and reader.documents() == ["/doc.txt"]


def test_threads_sharing_one_store_object(store: Store) -> None:
    def add(offset: int) -> None:
        for n in range(50):
            store.add(annotation(offset + n, offset + n + 1, [f"t{offset}"]))

    threads = [threading.Thread(target=add, args=(k * 1000,)) for k in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(Store(store.path).annotations()) == 200
    assert len(store.themes()) == 4


def test_a_writer_killed_while_holding_the_lock_does_not_block_others(store_path: Path) -> None:
    store_path.parent.mkdir(parents=True)
    holder = subprocess.Popen(
        [sys.executable, "-c", "import sys, time; from filelock import FileLock; "
         "FileLock(sys.argv[1]).acquire(); print('locked', flush=True); time.sleep(60)", f"{store_path}.lock"],
        stdout=subprocess.PIPE, text=True, env=child_env(),
    )  # fmt: skip
    assert holder.stdout is not None and holder.stdout.readline() == "locked\n"
    os.kill(holder.pid, signal.SIGKILL)
    holder.wait(timeout=10)
    started = time.monotonic()
    Store(store_path).add(annotation())
    assert time.monotonic() - started < 5
    assert len(Store(store_path).annotations()) == 1


# Renames the theme on every document for ever (t0 -> t1 -> ...), merging a scratch theme in between, printing
# each new name once the rename has returned.
RENAMER = """
import sys
from tui.store import Store

store = Store(sys.argv[1])
n = int(sys.argv[2])
print("ready", flush=True)
while True:
    store.ensure_themes([f"scratch-{n}"])
    store.merge_themes([f"scratch-{n}"], into=f"t{n}")
    store.rename_theme(f"t{n}", f"t{n + 1}")
    n += 1
    print(f"t{n}", flush=True)
"""


def test_a_theme_rename_or_merge_killed_at_random_moments_is_all_or_nothing(store_path: Path) -> None:
    """A rename or merge across every document is one write of the codebook: however a killed process stops,
    every annotation carries the same name, never older than the last rename acknowledged."""
    documents = 30
    Store(store_path).add_many([annotation(0, 5, ["t0"], path=f"/doc-{n}.txt") for n in range(documents)])
    rng = random.Random()
    done = 0
    for round_ in range(8):
        renamer = subprocess.Popen([sys.executable, "-c", RENAMER, str(store_path), str(done)],
                                   stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=child_env())  # fmt: skip
        assert renamer.stdout is not None and renamer.stdout.readline() == "ready\n"
        first = renamer.stdout.readline() if round_ % 2 else ""  # (a loaded machine: let one rename land)
        time.sleep(rng.uniform(0, 0.2))
        renamer.send_signal(signal.SIGKILL)
        out, err = renamer.communicate(timeout=30)
        assert renamer.returncode == -signal.SIGKILL, err
        lines = (first + out).splitlines(keepends=True)
        acknowledged = [int(line[1:]) for line in lines if line.endswith("\n")]
        names = {tuple(a.themes) for a in Store(store_path).annotations()}
        assert len(names) == 1, names  # never half renamed
        [(name,)] = names
        done = int(name[1:])
        assert done >= max(acknowledged, default=0)
    assert done > 0  # renames happened between the kills
