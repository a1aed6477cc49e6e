"""marginalia's fault suite: hostile inputs and faults, each with the exact outcome it must have; prints a table.

    python -m tests.faults            # the whole suite (a few minutes on 2 cores)
    python -m tests.faults --quick    # the slice the test suite runs (a few seconds)

Command-line cases run ``tui.cli.main`` in this process (a timer turns a hang into a counted failure, an escaped
exception into a counted traceback), with their raw output bytes checked for control codes. Crashes, concurrency,
disk full and the reader run real processes: the reader in a real pseudo-terminal, whose raw bytes are scanned
for the hostile payloads' own sequences (Textual writes CSI sequences of its own).
"""

from __future__ import annotations

import argparse
import contextlib
import io
import itertools
import json
import os
import random
import re
import select
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import traceback
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from tests.faults import generate

SOURCE_ROOT = Path(__file__).resolve().parents[2]
CANARY = "environ-canary-7731"  # in this process's environment: /proc/self/environ must not leak it
SECRET = "SECRET-HASH-5e1f"
# Raw bytes a command's output may never hold: C0 controls but tab and newline, DEL, C1, bidi controls.
_LEAK = re.compile(
    rb"[\x00-\x08\x0b-\x1f\x7f]|\xc2[\x80-\x9f]|\xe2\x80[\x8e\x8f\xaa-\xae]|\xe2\x81[\xa6-\xa9]|\xd8\x9c"
)


class Hang(Exception):
    pass


@dataclass
class Result:
    code: int | None
    out: bytes
    err: bytes
    traceback: bool = False
    hang: bool = False

    @property
    def one_line_error(self) -> bool:
        return self.out == b"" and self.err.count(b"\n") == 1 and b"error" in self.err


@dataclass
class Tally:
    tried: int = 0
    clean: int = 0
    tracebacks: int = 0
    hangs: int = 0
    lost: int = 0
    leaks: int = 0
    refused: int = 0  # damaged stores refused and left byte-identical (the rest were valid after all)
    problems: list[str] = field(default_factory=list)

    def record(self, label: str, ok: bool, *, traceback: bool = False, hang: bool = False, lost: bool = False,
               leak: bool = False, why: str = "") -> None:  # fmt: skip
        self.tried += 1
        self.tracebacks += traceback
        self.hangs += hang
        self.lost += lost
        self.leaks += leak
        if ok and not (traceback or hang or lost or leak):
            self.clean += 1
        else:
            self.problems.append(f"{label}: {why or 'unexpected outcome'}")


def cli(*args: str | os.PathLike[str], timeout: float = 20) -> Result:
    """``marginalia ARGS`` in this process; its raw stdout and stderr bytes."""
    from tui.cli import main

    out, err = io.BytesIO(), io.BytesIO()
    saved = sys.stdout, sys.stderr
    sys.stdout = io.TextIOWrapper(out, encoding="utf-8", errors="backslashreplace", write_through=True)
    sys.stderr = io.TextIOWrapper(err, encoding="utf-8", errors="backslashreplace", write_through=True)
    sys.stdout.buffer  # noqa: B018 (the CLI writes JSON and exports to the buffer)

    def alarm(signum: int, frame: object) -> None:
        raise Hang

    previous = signal.signal(signal.SIGALRM, alarm)
    signal.setitimer(signal.ITIMER_REAL, timeout)
    result = Result(None, b"", b"")
    try:
        result.code = main([os.fspath(a) for a in args])
    except SystemExit as stop:
        result.code = stop.code if isinstance(stop.code, int) else 1
    except Hang:
        result.hang = True
    except BaseException:
        result.traceback = True
        err.write(traceback.format_exc().encode())
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)
        sys.stdout.flush()
        sys.stderr.flush()
        result.out, result.err = out.getvalue(), err.getvalue()
        sys.stdout, sys.stderr = saved
    return result


def leaks(*results: Result) -> bool:
    return any(_LEAK.search(r.out) or _LEAK.search(r.err) for r in results)


def judge(tally: Tally, label: str, results: list[Result], ok: bool, lost: bool = False, why: str = "") -> None:
    bad = next((r for r in results if r.traceback or r.hang), None)
    said = [(r.code, r.err.decode(errors="replace").strip().splitlines()[-1:]) for r in results]
    detail = why or (bad.err.decode(errors="replace").strip().splitlines()[-1:] if bad else said)
    tally.record(label, ok, traceback=any(r.traceback for r in results), hang=any(r.hang for r in results),
                 lost=lost, leak=leaks(*results), why=str(detail))  # fmt: skip


def annotations_of(store: Path) -> list[dict] | None:
    """The store's annotations as ``list --format json`` gives them; None if the store cannot be read."""
    listed = cli("list", "--format", "json", "--store", store)
    if listed.code != 0:
        return None
    return json.loads(listed.out)


# -- in-process cases --------------------------------------------------------------------------------------------
THEME = "".join(generate.PAYLOADS.values()).replace(",", " ")[:300]


def documents(work: Path, rng: random.Random, count: int, step: int = 1) -> Tally:
    """Hostile documents tagged under a hostile theme and note, then listed and exported every way."""
    tally = Tally()
    folder = work / "documents"
    folder.mkdir()
    for label, data in itertools.islice(generate.documents(rng, count), 0, None, step):
        doc = folder / f"{label}.txt"
        doc.write_bytes(data)
        store = folder / f"{label}.store.json"
        tag = cli("tag", doc, "--match", "sanctions", "--theme", THEME, "--note", generate.HOSTILE, "--store", store)
        reads = [cli(*a, "--store", store) for a in (["list"], ["themes"], ["export"], ["export", "--by", "document"])]
        jsons = [cli(*a, "--store", store) for a in (["list", "--format", "json"], ["export", "--format", "w3c"])]
        tagged = tag.code == 0 and b"created" in tag.out
        ok = (tagged or (tag.code == 1 and tag.one_line_error)) and all(r.code == 0 for r in reads)
        ok = ok and all(r.code == 0 and _valid_json(r.out) for r in jsons)
        listed = json.loads(jsons[0].out) if jsons[0].code == 0 and _valid_json(jsons[0].out) else []
        lost = tagged and not listed  # a highlight said created and not found
        judge(tally, f"document {label}", [tag, *reads, *jsons], ok, lost=lost)
    return tally


def _valid_json(raw: bytes) -> bool:
    try:
        json.loads(raw)
    except ValueError:
        return False
    return True


def file_names(work: Path, rng: random.Random) -> Tally:
    tally = Tally()
    folder = work / "names"
    folder.mkdir()
    for label, name in generate.file_names(rng):
        doc = folder / name
        doc.write_text("Alpha beta gamma.\n")
        store = folder / f"{label}.store.json"
        tag = cli("tag", doc, "--match", "beta", "--theme", "t", "--store", store)
        reads = [cli(*a, "--store", store) for a in (["list"], ["export"], ["export", "--by", "document"])]
        out = folder / f"{label}.export.md"
        written = cli("export", "-o", out, "--store", store)
        # a name that is not UTF-8 cannot be stored (the store is JSON): one clear line, nothing written
        expect_fail = label == "nonutf8"
        ok = (tag.code == 1 and tag.one_line_error and not store.exists()) if expect_fail else tag.code == 0
        ok = ok and all(r.code == 0 for r in reads) and written.code == 0
        judge(tally, f"file name {label}", [tag, *reads, written], ok)
    return tally


def damaged_stores(work: Path, rng: random.Random, count: int, step: int = 1) -> Tally:
    """Every damaged store is refused in one line (exit 1) and left byte-identical, with nothing beside it."""
    tally = Tally()
    doc = work / "plain.txt"
    doc.write_text("Alpha beta gamma.\n")
    for n, (label, data) in enumerate(itertools.islice(generate.stores(rng, count), 0, None, step)):
        folder = work / "stores" / str(n)
        folder.mkdir(parents=True)
        store = folder / "store.json"
        store.write_bytes(data)
        results = [cli(*a, "--store", store) for a in (["list"], ["themes"], ["export"])]
        results.append(cli("tag", doc, "--match", "beta", "--theme", "t", "--store", store))
        beside = [p.name for p in folder.iterdir() if p.name != "store.json.lock"]  # (a migration takes the lock)
        unchanged = store.read_bytes() == data and beside == ["store.json"]
        refused = all(r.code == 1 and r.one_line_error for r in results) and unchanged
        # a change the schema allows (a description "xxx", a revision of -1): accepted, and nothing lost
        kept = annotations_of(store)
        accepted = all(r.code == 0 for r in results) and kept is not None and len(kept) == 2
        tally.refused += refused
        judge(tally, f"store {label}", results, refused or accepted, lost=not (unchanged or accepted))
    return tally


def store_paths(work: Path) -> Tally:
    """Odd ``--store`` paths: each has its exact exit code and message, at once."""
    tally = Tally()
    folder = work / "paths"
    folder.mkdir()
    doc = folder / "doc.txt"
    doc.write_text("Alpha beta gamma.\n")
    os.mkfifo(folder / "fifo")
    (folder / "file").write_text("x")
    (folder / "dangling").symlink_to(folder / "target.json")
    (folder / "to-fifo").symlink_to(folder / "fifo")
    (folder / "to-zero").symlink_to("/dev/zero")
    cases = [
        ("fifo", folder / "fifo", 1, "named pipe"),
        ("link to fifo", folder / "to-fifo", 1, "a link to a named pipe"),
        ("link to /dev/zero", folder / "to-zero", 1, "a link to a character device"),
        ("/dev/full", "/dev/full", 1, "character device"),
        ("/dev/zero", "/dev/zero", 1, "character device"),
        ("/dev/null", "/dev/null", 1, "character device"),
        ("a folder", folder, 1, "folder"),
        ("under a file", folder / "file" / "store.json", 1, "cannot"),
        ("name too long", folder / ("s" * 300), 1, "too long"),
        ("empty", "", 2, "--store needs a path"),
        ("dangling link", folder / "dangling", 0, ""),
        ("new folders", folder / "a" / "b" / "c.json", 0, ""),
    ]
    for label, path, code, words in cases:
        tag = cli("tag", doc, "--match", "beta", "--theme", "t", "--store", path, timeout=10)
        listed = cli("list", "--store", path, timeout=10)
        ok = tag.code == code and listed.code == (0 if code == 0 else code) and words.encode() in tag.err
        if label == "dangling link":
            ok = ok and (folder / "dangling").is_symlink() and (folder / "target.json").is_file()
        judge(tally, f"--store {label}", [tag, listed], ok)
    return tally


def special_files(work: Path) -> Tally:
    """A FIFO, /dev/zero and links to them as documents and import files: one line, at once."""
    tally = Tally()
    folder = work / "special"
    folder.mkdir()
    os.mkfifo(folder / "fifo.txt")
    (folder / "zero.txt").symlink_to("/dev/zero")
    store = folder / "store.json"
    for label in ("fifo.txt", "zero.txt", "/dev/zero", "/dev/urandom", "/dev/full"):
        path = label if label.startswith("/") else folder / label
        for args in (["tag", path, "--match", "a", "--theme", "t"], ["import", path], ["read", path]):
            result = cli(*args, "--store", store, timeout=10)
            ok = result.code == 1 and result.one_line_error and b"not a regular file" in result.err
            judge(tally, f"{args[0]} {label}", [result], ok)
    # a store whose document became a FIFO still lists and exports
    doc = folder / "became-fifo.txt"
    doc.write_text("Alpha beta.\n")
    cli("tag", doc, "--match", "beta", "--theme", "t", "--store", store)
    doc.unlink()
    os.mkfifo(doc)
    results = [cli(*a, "--store", store, timeout=10) for a in (["list"], ["export"], ["export", "--format", "w3c"])]
    judge(tally, "document became a FIFO", results, all(r.code == 0 for r in results))
    return tally


_IMPORT_FAILS = {"huge-quote", "many-tags", "comma-tag", "bad-position", "backwards", "bad-date", "bad-id",
                 "twice-the-id", "linked-pages", "no-target", "top-number", "deep", "not-json", "themes-hostile"}  # fmt: skip


def import_files(work: Path, rng: random.Random, step: int = 1) -> Tally:
    """Hostile import files: the exact exit code, and no byte of an unchosen file in the store or any export."""
    tally = Tally()
    private = work / "private"
    private.mkdir()
    secret = private / "secret.txt"
    secret.write_text(f"root:{SECRET}:19000:0:99999:7:::\nSECRET line two\n")
    fifo = private / "fifo.txt"
    os.mkfifo(fifo)
    shared = work / "shared"
    shared.mkdir()
    for n, (label, value) in enumerate(itertools.islice(generate.imports(rng, str(secret), str(fifo)), 0, None, step)):
        path = shared / f"import-{n}.json"
        path.write_bytes(value if isinstance(value, bytes) else json.dumps(value).encode())
        store = shared / f"store-{n}.json"
        result = cli("import", path, "--store", store, timeout=20)
        outputs = [cli(*a, "--store", store) for a in (["export"], ["export", "--format", "w3c"], ["list", "--format", "json"])]  # fmt: skip
        seen = b"".join(r.out + r.err for r in [result, *outputs]) + (store.read_bytes() if store.exists() else b"")
        stolen = SECRET.encode() in seen or CANARY.encode() in seen or b"line two" in seen
        key = label if not label.startswith("random-") else None
        if key is None:
            ok = result.code == 0 or (result.code == 1 and result.one_line_error and not store.exists())
        elif key in _IMPORT_FAILS:
            ok = result.code == 1 and result.one_line_error and b"nothing was imported" in result.err
            ok = ok and not store.exists()
        else:
            ok = result.code == 0
        ok = ok and all(r.code == 0 for r in outputs)
        judge(tally, f"import {label}", [result, *outputs], ok and not stolen, leak_why(stolen))
    return tally


def leak_why(stolen: bool) -> bool:
    return stolen  # an unchosen file's bytes in the store or an export count as data that leaked


# -- real processes ------------------------------------------------------------------------------------------------
def _env(work: Path) -> dict[str, str]:
    env = {**os.environ, "PYTHONPATH": str(SOURCE_ROOT), "HOME": str(work / "home"), "LC_ALL": "C.UTF-8"}
    env.pop("MARGINALIA_STORE", None)
    return env


def _marginalia(*args: str | os.PathLike[str]) -> list[str]:
    return [sys.executable, "-m", "tui", *map(os.fspath, args)]


def kills(work: Path, rng: random.Random, count: int) -> Tally:
    """SIGKILL ``tag`` at random moments: the store is always valid, with all or none of each run's themes."""
    tally = Tally()
    folder = work / "kills"
    folder.mkdir()
    doc = folder / "doc.txt"
    doc.write_text("word " * 3000 + "\n")
    store = folder / "store.json"
    subprocess.run(_marginalia("tag", doc, "--match", "word", "--theme", "base", "--store", store), env=_env(work),
                   capture_output=True, timeout=120)  # fmt: skip
    for n in range(count):
        process = subprocess.Popen(_marginalia("tag", doc, "--match", "word", "--theme", f"k{n}", "--store", store),
                                   env=_env(work), stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)  # fmt: skip
        time.sleep(rng.uniform(0.05, 1.5))
        process.kill()
        _, err = process.communicate(timeout=60)
        listed = annotations_of(store)
        themed = {len([a for a in listed if f"k{n}" in a["themes"]])} if listed is not None else set()
        lost = listed is None or len(listed) != 3000 or any("base" not in a["themes"] for a in listed)
        ok = not lost and themed <= {0, 3000}
        tally.record(f"kill {n}", ok, traceback=b"Traceback" in err, lost=lost, why="store damaged or partial")
    return tally


def concurrency(work: Path, rounds: int, writers: int) -> Tally:
    """Several processes tag one store at once: every highlight each one reports is kept."""
    tally = Tally()
    folder = work / "concurrency"
    folder.mkdir()
    words = [f"w{n}" for n in range(writers)]
    doc = folder / "doc.txt"
    doc.write_text(" ".join(words * 20) + "\n")
    for r in range(rounds):
        store = folder / f"store-{r}.json"
        processes = [subprocess.Popen(_marginalia("tag", doc, "--match", w, "--theme", w, "--store", store),
                                      env=_env(work), stdout=subprocess.PIPE, stderr=subprocess.PIPE) for w in words]  # fmt: skip
        outputs = [p.communicate(timeout=120) for p in processes]
        listed = annotations_of(store) or []
        lost = len(listed) != 20 * writers
        ok = all(p.returncode == 0 for p in processes)
        tally.record(f"concurrency round {r}", ok, traceback=any(b"Traceback" in e for _, e in outputs), lost=lost,
                     why=f"{len(listed)} of {20 * writers} highlights kept")  # fmt: skip
    return tally


@contextlib.contextmanager
def small_disk(work: Path, size: str = "256k") -> Iterator[Path | None]:
    """A small tmpfs where this process may mount one (root on Linux), else None."""
    mount = work / "disk"
    mount.mkdir()
    if os.geteuid() != 0 or not shutil.which("mount"):
        yield None
        return
    done = subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(mount)], capture_output=True)
    if done.returncode != 0:
        yield None
        return
    try:
        yield mount
    finally:
        subprocess.run(["umount", "-l", str(mount)], capture_output=True)


def disk_full(work: Path, count: int) -> Tally | str:
    """A store on a full disk: every write fails in one line and the store keeps every annotation it had."""
    tally = Tally()
    with small_disk(work) as disk:
        if disk is None:
            return "skipped: cannot mount a tmpfs here (needs root on Linux)"
        doc = work / "disk-doc.txt"
        doc.write_text("word " * 2000 + "other " * 50 + "\n")
        store = disk / "store.json"
        first = cli("tag", doc, "--match", "other", "--theme", "t", "--store", store)
        assert first.code == 0, first.err
        before = store.read_bytes()
        filler = disk / "filler"
        with contextlib.suppress(OSError), filler.open("wb") as handle:
            while True:
                handle.write(b"x" * 4096)
                handle.flush()
        for n in range(count):
            size = filler.stat().st_size
            os.truncate(filler, max(0, size - 4096 * (n % 8)))  # leave 0-28 KB: the write fails at a different point
            results = [
                cli("tag", doc, "--match", "word", "--theme", f"d{n}", "--store", store),
                cli("theme", "describe", "t", "x" * 20000, "--store", store),
                cli("export", "-o", disk / f"export-{n}.md", "--store", store),
            ]
            kept = annotations_of(store)
            lost = kept is None or len(kept) < 50
            failed = [r for r in results if r.code != 0]
            ok = all(r.code == 0 or (r.code == 1 and r.one_line_error) for r in results) and failed
            written = disk / f"export-{n}.md"  # complete if the export said it wrote it, else absent
            whole = written.exists() and written.read_bytes() == cli("export", "--store", store).out
            ok = ok and not list(disk.glob(".*.tmp")) and (whole if results[2].code == 0 else not written.exists())
            judge(tally, f"disk full {n}", results, bool(ok), lost=lost)
            with contextlib.suppress(OSError), filler.open("ab") as handle:  # full again
                while True:
                    handle.write(b"x" * 4096)
                    handle.flush()
            if store.read_bytes() != before:  # a smaller write that fit: fine, but keep the next case comparable
                before = store.read_bytes()
    return tally


# -- the reader in a real terminal ----------------------------------------------------------------------------------
def _pty_reader(work: Path, args: list[str | os.PathLike[str]], keys: list[tuple[float, bytes]],
                kill_after: float | None = None) -> bytes:  # fmt: skip
    """Run the reader in a pseudo-terminal (100x30), send ``keys`` (after a pause each), return every raw byte it
    wrote. ``kill_after``: SIGKILL it that long after the last key instead of letting it quit."""
    import fcntl
    import struct
    import termios

    master, slave = os.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 30, 100, 0, 0))
    env = {**_env(work), "TERM": "xterm-256color", "COLUMNS": "100", "LINES": "30"}
    process = subprocess.Popen(_marginalia("read", *args), stdin=slave, stdout=slave, stderr=slave, env=env,
                               start_new_session=True)  # fmt: skip
    os.close(slave)
    received = bytearray()

    def drain(seconds: float) -> None:
        end = time.monotonic() + seconds
        while (left := end - time.monotonic()) > 0:
            ready, _, _ = select.select([master], [], [], left)
            if not ready:
                continue
            try:
                chunk = os.read(master, 65536)
            except OSError:
                return
            if not chunk:
                return
            received.extend(chunk)

    drain(6.0)  # start-up on a loaded machine
    for pause, key in keys:
        os.write(master, key)
        drain(pause)
    if kill_after is not None:
        drain(kill_after)
        process.kill()
    else:
        with contextlib.suppress(OSError):
            os.write(master, b"q")
        drain(2.0)
    try:
        process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()
    os.close(master)
    return bytes(received)


def reader(work: Path, kills: int) -> Tally:
    """The reader on hostile documents and a store of hostile themes and notes: rename prompt (the input that
    leaked), themes and annotations panels, the highlight dialog with its suggestions. None of the payloads'
    sequences may reach the terminal; killed in the middle of a save, the store keeps what it had."""
    tally = Tally()
    folder = work / "reader"
    folder.mkdir()
    doc = folder / "doc\x1b]52;c;SEFDS0VE\x07\u202e.txt"
    doc.write_text("Alpha beta gamma. " + generate.HOSTILE + "\nSanctions and more sanctions.\n")
    store = folder / "store.json"
    assert cli("tag", doc, "--match", "Alpha", "--theme", THEME, "--note", generate.HOSTILE, "--store", store).code == 0
    keys = [(1.0, b"t"), (1.0, b"r"), (0.8, b"\x1b"), (0.8, b"\x1b"), (1.0, b"a"), (0.8, b"\x1b"),
            (1.0, b"h"), (0.8, THEME[:1].encode()), (0.8, b"\x1b"), (0.8, b"\x1b")]  # fmt: skip
    raw = _pty_reader(work, [doc, "--store", store], keys)
    found = [name for name, signature in generate.SIGNATURES.items() if signature in raw]
    started = b"Alpha" in raw
    tally.record("reader hostile run", started and not found, leak=bool(found),
                 why=f"reached the terminal: {found}" if found else "the reader did not start")  # fmt: skip
    before = annotations_of(store) or []
    for n in range(kills):
        keys = [(0.5, b"w" * (n + 1)), (0.3, b"h"), (0.5, b"k%d\r" % n)]
        _pty_reader(work, [doc, "--store", store], keys, kill_after=0.05 * n)
        after = annotations_of(store)
        lost = after is None or not {a["id"] for a in before} <= {a["id"] for a in after}
        tally.record(f"reader kill {n}", not lost, lost=lost, why="store damaged or an annotation lost")
        before = after or before
    return tally


# -- the table ------------------------------------------------------------------------------------------------------
COLUMNS = ("inputs", "clean", "tracebacks", "hangs", "data lost", "leaks")


def run_suite(quick: bool = False, seed: int = 11, out: Callable[[str], None] = print) -> dict[str, Tally | str]:
    rng = random.Random(seed)
    os.environ[CANARY.split("-")[0].upper()] = CANARY
    results: dict[str, Tally | str] = {}
    with tempfile.TemporaryDirectory(prefix="marginalia-faults-") as temp:
        work = Path(temp)
        (work / "home").mkdir()
        old = os.getcwd()
        os.chdir(work)
        saved_env = {k: os.environ.get(k) for k in ("HOME", "XDG_DATA_HOME", "MARGINALIA_STORE")}
        os.environ.update(HOME=str(work / "home"), XDG_DATA_HOME=str(work / "home" / "xdg"),
                          MARGINALIA_STORE=str(work / "home" / "default.json"))  # fmt: skip
        try:
            steps: list[tuple[str, Callable[[], Tally | str]]] = [
                ("hostile documents", lambda: documents(work, rng, 12 if quick else 150, 3 if quick else 1)),
                ("hostile file names", lambda: file_names(work, rng)),
                ("damaged stores", lambda: damaged_stores(work, rng, 5 if quick else 120, 8 if quick else 1)),
                ("odd store paths", lambda: store_paths(work)),
                ("FIFO, devices, links", lambda: special_files(work)),
                ("hostile import files", lambda: import_files(work, rng, 3 if quick else 1)),
                ("disk full (tmpfs)", lambda: disk_full(work, 2 if quick else 40)),
                ("SIGKILL of tag", lambda: kills(work, rng, 1 if quick else 15)),
                ("concurrent writers", lambda: concurrency(work, 1 if quick else 4, 2 if quick else 8)),
            ]
            if not quick:
                steps.append(("reader in a terminal", lambda: reader(work, 3)))
            for name, step in steps:
                started = time.monotonic()
                results[name] = step()
                out(f"  {name}: done in {time.monotonic() - started:.1f} s")
        finally:
            os.chdir(old)
            for key, value in saved_env.items():
                if value is None:
                    os.environ.pop(key, None)
                else:
                    os.environ[key] = value
    return results


def table(results: dict[str, Tally | str]) -> str:
    total = Tally()
    lines = [f"{'case':<24}" + "".join(f"{c:>12}" for c in COLUMNS)]
    for name, tally in results.items():
        if isinstance(tally, str):
            lines.append(f"{name:<24}  {tally}")
            continue
        figures = (tally.tried, tally.clean, tally.tracebacks, tally.hangs, tally.lost, tally.leaks)
        lines.append(f"{name:<24}" + "".join(f"{f:>12}" for f in figures))
        for attr in ("tried", "clean", "tracebacks", "hangs", "lost", "leaks"):
            setattr(total, attr, getattr(total, attr) + getattr(tally, attr))
    figures = (total.tried, total.clean, total.tracebacks, total.hangs, total.lost, total.leaks)
    lines.append(f"{'TOTAL':<24}" + "".join(f"{f:>12}" for f in figures))
    return "\n".join(lines)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="the slice the test suite runs")
    parser.add_argument("--seed", type=int, default=11)
    args = parser.parse_args()
    started = time.monotonic()
    results = run_suite(args.quick, args.seed)
    print(table(results))
    problems = [p for t in results.values() if isinstance(t, Tally) for p in t.problems]
    for problem in problems:
        print(f"  not clean: {problem}")
    print(f"({time.monotonic() - started:.0f} s)")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
