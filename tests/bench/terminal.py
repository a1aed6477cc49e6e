"""The benchmark's terminal section: the installed ``marginalia`` in a real pseudo-terminal (tmux), against
``less`` and ``vim -R`` on the same files in the same run, interleaved.

What is timed is what the user waits for: from starting the process until given text is on the screen, and from
sending a key until the screen changes. tmux runs every program in a pane of a private server; one control-mode
client (``tmux -C``) asks for the pane's contents, so polling costs a fraction of a millisecond and no process
per look. Peak memory is the sum of ``VmHWM`` (peak resident set) over the program's process tree in ``/proc``.
"""

from __future__ import annotations

import contextlib
import os
import random
import shlex
import shutil
import statistics
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

HERE = Path(__file__).resolve().parent
SIZE = (160, 45)
RESIZED = (120, 40)
MARKER = "openingmark"  # near the start of every generated document: the first screen shows it
NEEDLE, AFTER = "zanzibar", "quixotic"  # near the end: a search for NEEDLE is done when AFTER is on screen
POLL = 0.001  # seconds between looks at the screen
SETTLE = 0.03  # a screen unchanged this long has finished drawing
STEP_TIMEOUT = 10.0  # a key whose effect has not shown by then did nothing (vim cannot page in one line)


# -- tmux ------------------------------------------------------------------------------------------------------------
class Tmux:
    """A private tmux server and one control-mode client on it."""

    def __init__(self, env: dict[str, str]) -> None:
        self.socket = f"marginalia-bench-{os.getpid()}"
        self.env = env
        base = ["tmux", "-L", self.socket, "-f", "/dev/null"]
        subprocess.run([*base, "new-session", "-d", "-s", "idle", "-x", "80", "-y", "24"], check=True, env=env)
        self.client = subprocess.Popen(
            [*base, "-C", "attach", "-t", "idle"],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, bufsize=1, env=env, errors="replace",
        )  # fmt: skip
        self._block()  # the attach's own reply
        self.command("set-option -g status off")  # the pane is the whole terminal, as in a plain terminal
        self._count = 0

    def _block(self) -> list[str]:
        assert self.client.stdout is not None
        out: list[str] = []
        inside = False
        while True:
            line = self.client.stdout.readline()
            if not line:
                raise RuntimeError("tmux control client ended")
            if line.startswith("%begin"):
                inside, out = True, []
            elif inside and line.startswith(("%end", "%error")):
                if line.startswith("%error"):
                    raise RuntimeError("tmux: " + " ".join(out))
                return out
            elif inside:
                out.append(line.rstrip("\n"))

    def command(self, line: str) -> list[str]:
        assert self.client.stdin is not None
        self.client.stdin.write(line + "\n")
        self.client.stdin.flush()
        return self._block()

    def start(self, argv: list[str], size: tuple[int, int] = SIZE, env: dict[str, str] | None = None) -> Pane:
        self._count += 1
        name = f"run{self._count}"
        extra = " ".join(f"-e {shlex.quote(f'{k}={v}')}" for k, v in (env or {}).items())
        started = time.perf_counter()
        line = self.command(
            f"new-session -d -s {name} -x {size[0]} -y {size[1]} {extra} -P -F '#{{pane_pid}}' -- "
            + " ".join(shlex.quote(a) for a in argv)
        )
        return Pane(self, name, int(line[0]), started)

    def close(self) -> None:
        with_suppressed(lambda: self.command("kill-server"))
        with_suppressed(self.client.kill)
        with_suppressed(lambda: self.client.wait(timeout=5))


def with_suppressed(call: Callable[[], object]) -> None:
    with contextlib.suppress(OSError, RuntimeError, subprocess.TimeoutExpired, ValueError):
        call()


@dataclass
class Pane:
    tmux: Tmux
    name: str
    pid: int
    started: float
    peak: int = 0  # bytes: the largest sum of peak resident sets seen
    cpu: list[float] = field(default_factory=list)  # CPU seconds per timed key

    def screen(self) -> str:
        return "\n".join(self.tmux.command(f"capture-pane -p -t {self.name}"))

    def keys(self, *keys: str, literal: bool = False) -> None:
        flag = " -l" if literal else ""
        self.tmux.command(f"send-keys{flag} -t {self.name} " + " ".join(shlex.quote(k) for k in keys))

    def resize(self, size: tuple[int, int]) -> None:
        self.tmux.command(f"resize-window -t {self.name} -x {size[0]} -y {size[1]}")

    def wait(self, condition: Callable[[str], bool], timeout: float = STEP_TIMEOUT) -> str | None:
        """The screen once ``condition(screen)`` holds, or None after ``timeout`` seconds."""
        deadline = time.perf_counter() + timeout
        while True:
            screen = self.screen()
            if condition(screen):
                return screen
            if time.perf_counter() > deadline:
                return None
            time.sleep(POLL)

    def settle(self, timeout: float = 5.0) -> str:
        """The screen once it has stopped changing (a redraw finished)."""
        return self.last_change(timeout)[0]

    def last_change(self, timeout: float = 5.0, quiet: float = SETTLE) -> tuple[str, float]:
        """(the screen once it has not changed for ``quiet`` seconds, when it last changed)."""
        last, since = self.screen(), time.perf_counter()
        deadline = since + timeout
        while time.perf_counter() < deadline:
            time.sleep(POLL)
            screen = self.screen()
            if screen != last:
                last, since = screen, time.perf_counter()
            elif time.perf_counter() - since >= quiet:
                break
        return last, since

    def wait_idle(self, quiet: float = 0.1, timeout: float = 5.0) -> None:
        """Until the program has used no CPU for ``quiet`` seconds (it has finished what it was doing)."""
        deadline = time.perf_counter() + timeout
        last, since = tree_cpu(self.pid), time.perf_counter()
        while time.perf_counter() < deadline:
            time.sleep(0.01)
            now = tree_cpu(self.pid)
            if now != last:
                last, since = now, time.perf_counter()
            elif time.perf_counter() - since >= quiet:
                return

    def timed_key(self, *keys: str, done: Callable[[str], bool] | None = None) -> float | None:
        """Seconds from sending ``keys`` until the screen changes (or until ``done(screen)``); None: it did not.
        The CPU the program spent on it, until its screen settled, is added to ``cpu``."""
        before = self.settle()
        self.sample_memory()
        cpu = tree_cpu(self.pid)
        started = time.perf_counter()
        self.keys(*keys)
        seen = self.wait(done or (lambda screen: screen != before))
        if seen is None:
            return None
        seconds = time.perf_counter() - started
        self.settle()
        self.cpu.append(tree_cpu(self.pid) - cpu)
        return seconds

    def sample_memory(self) -> None:
        self.peak = max(self.peak, tree_peak_rss(self.pid))

    def close(self) -> None:
        self.sample_memory()
        with_suppressed(lambda: self.tmux.command(f"kill-session -t {self.name}"))


def process_tree(pid: int) -> list[int]:
    """``pid`` and all its descendants."""
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            ppid = int(stat.rsplit(")", 1)[1].split()[1])
            children.setdefault(ppid, []).append(int(entry.name))
    tree, todo = [], [pid]
    while todo:
        current = todo.pop()
        tree.append(current)
        todo.extend(children.get(current, []))
    return tree


def tree_peak_rss(pid: int) -> int:
    """Sum of the peak resident set (VmHWM) of ``pid`` and all its descendants, in bytes."""
    total = 0
    for member in process_tree(pid):
        try:
            for line in Path(f"/proc/{member}/status").read_text().splitlines():
                if line.startswith("VmHWM:"):
                    total += int(line.split()[1]) * 1024
        except OSError:
            continue
    return total


TICK = os.sysconf("SC_CLK_TCK")


def tree_cpu(pid: int) -> float:
    """CPU seconds (user and system) used so far by ``pid`` and its descendants: unlike wall time, not
    stretched by other engineers' processes on a loaded machine."""
    total = 0
    for member in process_tree(pid):
        try:
            fields = Path(f"/proc/{member}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += int(fields[11]) + int(fields[12])  # utime, stime (fields 14 and 15 of stat)
    return total / TICK


# -- documents -------------------------------------------------------------------------------------------------------
def _sentence(rng: random.Random, words: list[str], low: int, high: int) -> str:
    return " ".join(rng.choices(words, k=rng.randint(low, high))).capitalize() + "."


def verses(size: int, rng: random.Random) -> str:
    """One short line per verse, as a scripture or a poem is laid out (``1:1 In the beginning ...``)."""
    from data import WORDS

    lines, total, chapter, verse = [], 0, 1, 1
    while total < size:
        line = f"{chapter}:{verse} " + _sentence(rng, WORDS, 6, 30)
        lines.append(line)
        total += len(line) + 1
        verse += 1
        if verse > rng.randint(20, 60):
            chapter, verse = chapter + 1, 1
    return "\n".join(lines)


def paragraphs(size: int, rng: random.Random) -> str:
    from data import prose

    return prose(size, seed=rng.randint(0, 1000))


def source_code(size: int, rng: random.Random) -> str:
    """Python-like source: functions, comments, strings, indentation."""
    from data import WORDS

    names = [w for w in WORDS if w.isalpha() and len(w) > 2]
    out, total, n = [], 0, 0
    while total < size:
        n += 1
        args = ", ".join(rng.sample(names, rng.randint(0, 3)))
        block = [f"def {rng.choice(names)}_{n}({args}):", f'    """{_sentence(rng, WORDS, 4, 12)}"""']
        for _ in range(rng.randint(3, 15)):
            indent = "    " * rng.randint(1, 3)
            roll = rng.random()
            if roll < 0.2:
                block.append(f"{indent}# {_sentence(rng, WORDS, 3, 12)}")
            elif roll < 0.5:
                block.append(f"{indent}{rng.choice(names)} = {rng.choice(names)}({rng.randint(0, 999)}, {args})")
            elif roll < 0.7:
                block.append(f"{indent}if {rng.choice(names)} > {rng.randint(0, 99)}:")
            else:
                block.append(f"{indent}print({_sentence(rng, WORDS, 2, 8)!r})")
        block.append(f"    return {rng.choice(names)}\n")
        text = "\n".join(block)
        out.append(text)
        total += len(text) + 1
    return "\n".join(out)


def cjk_emoji(size: int, rng: random.Random) -> str:
    from data import cjk

    return cjk(size, seed=rng.randint(0, 1000))


def one_line(size: int, rng: random.Random) -> str:
    from data import WORDS

    pieces, total = [], 0
    while total < size:
        piece = _sentence(rng, WORDS, 5, 30)
        pieces.append(piece)
        total += len(piece) + 1
    return " ".join(pieces)


@dataclass
class Shape:
    label: str
    suffix: str
    make: Callable[[int, random.Random], str]
    heading: bool = True  # a title line first (a single line has none: it is all one line)


SHAPES = {
    "verses": Shape("one short line per verse", ".txt", verses),
    "paragraphs": Shape("long paragraphs", ".txt", paragraphs),
    "code": Shape("source code", ".py", source_code),
    "cjk": Shape("CJK and emoji", ".txt", cjk_emoji),
    "line": Shape("a single line", ".txt", one_line, heading=False),
}
BLOCK = 2_000_000  # generated once per shape, then repeated up to the size asked for


def write_document(folder: Path, shape_name: str, size: int) -> Path:
    """A document of ``shape_name`` of about ``size`` bytes with MARKER near its start and NEEDLE (then AFTER)
    near its end, once each. Kept in ``folder`` and reused."""
    shape = SHAPES[shape_name]
    path = folder / f"{shape_name}-{size // 1000:d}k{shape.suffix}"
    if path.exists():
        return path
    folder.mkdir(parents=True, exist_ok=True)
    rng = random.Random(f"{shape_name}-{size}")
    block = shape.make(min(size, BLOCK), rng)
    separator = " " if shape_name == "line" else "\n"
    body = separator.join([block] * max(1, round(size / len(block.encode()))))
    cut = body.find(" ", len(body) * 99 // 100)
    body = f"{body[:cut]} {NEEDLE} {AFTER}{body[cut:]}"
    if shape.heading:
        title = f"# A generated document: {shape.label}" if shape.suffix == ".py" else f"Generated: {shape.label}"
        text = f"{title}\n\n{MARKER} {body}\n"
    else:
        at = body.find(" ", 400)
        text = f"{body[:at]} {MARKER}{body[at:]}"
    path.write_text(text, encoding="utf-8")
    return path


# -- the programs --------------------------------------------------------------------------------------------------
@dataclass
class Program:
    name: str
    argv: Callable[[list[Path]], list[str]]
    top: list[str]  # the keys that go to the top of the document
    env: dict[str, str] = field(default_factory=dict)
    ours: bool = False  # marginalia (some of the rows are only measured for it)


def programs(marginalia: str, compare: list[Path]) -> tuple[list[Program], list[str]]:
    """marginalia (and marginalia from each ``compare`` checkout, for before and after in one run) and the peers
    that are installed; and a line for each peer that is not."""
    found = [Program("marginalia", lambda paths: [marginalia, *map(str, paths)], ["g"], ours=True)]
    for source in compare:
        found.append(Program(f"marginalia ({source.name})", found[0].argv, ["g"], {"PYTHONPATH": str(source)}, True))
    skipped = []
    for name, argv, top in (("less", ["less"], ["g"]), ("vim -R", ["vim", "-R", "-n", "-i", "NONE"], ["g", "g"])):
        exe = shutil.which(argv[0])
        if exe is None:
            skipped.append(f"{name}: not installed, skipped")
            continue
        found.append(Program(name, lambda paths, a=argv, e=exe: [e, *a[1:], *map(str, paths)], top))
    return found, skipped


# -- one session -----------------------------------------------------------------------------------------------------
@dataclass
class Session:
    first: float | None = None
    pages: list[float] = field(default_factory=list)
    page_cpu: float | None = None  # CPU seconds per page down, on average
    first_page: float | None = None  # the first page down, sent at once after the first screen
    end: float | None = None  # G
    search: float | None = None
    resize: float | None = None  # until the screen stops changing
    after_resize: float | None = None  # the key to the top sent at once after the resize
    peak: int = 0


def run_session(tmux: Tmux, program: Program, paths: list[Path], markers: list[str], pages: int, keys: bool
                ) -> Session:  # fmt: skip
    """Start ``program`` on ``paths``; time its first screen (every marker shown) and page downs; with ``keys``,
    a search for the needle and ``G``; for marginalia, a key at once after a resize, and the resize back until
    the screen stops changing. Note its peak memory."""
    result = Session()
    pane = tmux.start(program.argv(paths), env=program.env)
    try:
        if pane.wait(lambda s: all(m in s for m in markers), timeout=120) is None:
            raise RuntimeError(f"{program.name}: first screen never showed {markers}:\n{pane.screen()}")
        result.first = time.perf_counter() - pane.started
        before = pane.screen()
        started = time.perf_counter()
        pane.keys("PageDown")
        if pane.wait(lambda s: s != before) is not None:
            result.first_page = time.perf_counter() - started
        for _ in range(pages):
            seconds = pane.timed_key("PageDown")
            if seconds is not None:
                result.pages.append(seconds)
        if pane.cpu:
            result.page_cpu = sum(pane.cpu) / len(pane.cpu)
        if keys:
            pane.keys("/")
            pane.settle()
            pane.keys(NEEDLE, literal=True)
            pane.wait(lambda s: NEEDLE in s, timeout=10)
            result.search = pane.timed_key("Enter", done=lambda s: AFTER in s)
            # from an idle program: the work a search leaves once its match is shown (the footer's keys coming
            # back as the search bar closes) changes the screen too, and would be timed as G's
            pane.wait_idle()
            result.end = pane.timed_key("G")
        if keys and program.ours:  # less and vim drop keys typed during a resize: only marginalia's are timed
            pane.settle()
            started = time.perf_counter()
            pane.resize(RESIZED)  # at the end: then the top (and MARKER) is off screen
            pane.keys(*program.top)
            if pane.wait(lambda s: MARKER in s) is not None:
                result.after_resize = time.perf_counter() - started
            pane.resize(SIZE)
            started = time.perf_counter()
            result.resize = pane.last_change(timeout=30, quiet=1.0)[1] - started
        pane.settle()
    finally:
        pane.close()
        result.peak = pane.peak
    return result


# -- the section -----------------------------------------------------------------------------------------------------
def medians(values: list[float | None]) -> float | None:
    kept = [v for v in values if v is not None]
    return statistics.median(kept) if kept else None


SEED_MARKERS = ["July 27, 2023", "Russia and North Korea are"]  # from the body of each seed (not its title)


@dataclass
class Document:
    label: str
    paths: list[Path]
    markers: list[str]
    generated: bool = True


def documents(folder: Path, quick: bool, extra: list[Path], max_mb: float | None = None) -> Iterator[Document]:
    mb = 1_000_000
    if quick:
        sizes = [("verses", mb // 4)]
    else:
        sizes = [("verses", 4_400_000), ("paragraphs", 5 * mb), ("code", 5 * mb), ("cjk", 5 * mb),
                 ("line", 10 * mb), ("paragraphs", 50 * mb), ("verses", 100 * mb)]  # fmt: skip
    for shape, size in sizes:
        if max_mb is not None and size > max_mb * mb:
            continue
        path = write_document(folder, shape, size)
        actual = float(f"{path.stat().st_size / mb:.2g}")  # what was written: whole blocks of generated text
        yield Document(f"{actual:g} MB, {SHAPES[shape].label}", [path], [MARKER])
    for path in extra:
        text = path.read_text(encoding="utf-8", errors="replace")
        lines = [line.strip() for line in text.splitlines() if len(line.strip()) > 20]
        marker = lines[1][:20] if len(lines) > 1 else lines[0][:20]  # the second line: the first is the title
        yield Document(path.name, [path], [marker], generated=False)


def terminal_rows(folder: Path, quick: bool, reps: int, extra: list[Path], compare: list[Path], Row: type,
                  max_mb: float | None = None, waits_only: bool = False
                  ) -> tuple[list, list[str]]:  # type: ignore[type-arg]  # fmt: skip
    """The terminal section's rows (``Row`` is run.py's table row) and notes (peers skipped); with
    ``waits_only``, only the longest input waits (``wait_rows``)."""

    if shutil.which("tmux") is None:
        return [], ["terminal section skipped: tmux is not installed"]
    marginalia = str(Path(sys.executable).with_name("marginalia"))
    if not Path(marginalia).exists():
        return [], [f"terminal section skipped: no installed marginalia beside {sys.executable}"]
    store = folder / "terminal-store" / "annotations.json"
    env = dict(
        os.environ, HOME=str(folder / "home"), TERM="xterm-256color", LC_ALL="C.UTF-8", MARGINALIA_STORE=str(store)
    )
    env.pop("PYTHONDONTWRITEBYTECODE", None)  # an installed package has its bytecode compiled
    for fixed in ("COLUMNS", "LINES"):  # (the tests set COLUMNS): a program given them ignores the terminal's size
        env.pop(fixed, None)
    env["PYTHONPYCACHEPREFIX"] = str(folder / "pycache")
    (folder / "home").mkdir(parents=True, exist_ok=True)
    found, notes = programs(marginalia, compare)
    pages = 3 if quick else 10
    tmux = Tmux(env)
    rows = []
    try:
        if waits_only:
            return all_wait_rows(tmux, found, wait_size(quick), folder / "input-waits", reps, Row), notes
        # the reference: a bare Textual app, and marginalia on the seeds, started the same way
        bare = Program("bare Textual app", lambda _: [sys.executable, str(HERE / "child.py"), "bare"], [])
        references = [(bare, ["Hello, world"])] + [(p, SEED_MARKERS) for p in found if p.ours]
        starts: dict[str, list[float | None]] = {p.name: [] for p, _ in references}
        for rep in range(reps + 1):
            for program, markers in references:
                session = run_session(tmux, program, [], markers, 0, keys=False)
                if rep:  # the first run of each compiles bytecode
                    starts[program.name].append(session.first)
        bare_start = medians(starts[bare.name])
        rows.append(Row("terminal: first screen, bare Textual app (reference)", bare_start))
        for program, _ in references[1:]:
            rows.append(Row(f"terminal: first screen, the two seeds, {program.name}", medians(starts[program.name]),
                            limit=1.3, ref=bare_start))  # fmt: skip
        seeds_start = medians(starts["marginalia"])
        # the floor of a page down: the least any Textual app does for one (its compositor, its output)
        floor = Program("Textual floor", lambda _: [sys.executable, str(HERE / "child.py"), "floor"], [])
        floor_pages = [
            v for _ in range(reps) for v in run_session(tmux, floor, [], ["floor row 0"], pages, False).pages
        ]
        rows.append(Row("terminal: page down, a Textual view of rows drawn in advance (floor)", medians(floor_pages)))

        for document in documents(folder / "terminal-docs", quick, extra, max_mb):
            sessions: dict[str, list[Session]] = {p.name: [] for p in found}
            seeds_beside: list[float | None] = []  # the seeds' first screen, between this document's sessions
            for _ in range(reps):
                for program in found:  # interleaved: each sees the machine the others saw
                    try:
                        session = run_session(tmux, program, document.paths, document.markers, pages,
                                              document.generated)  # fmt: skip
                    except RuntimeError as error:  # noted, and the run goes on
                        notes.append(f"{document.label}: {str(error).splitlines()[0]}")
                        continue
                    sessions[program.name].append(session)
                if not quick:  # the ratio is taken within the same minutes: the load drifts over a long run
                    seeds_beside.append(run_session(tmux, found[0], [], SEED_MARKERS, 0, keys=False).first)
            rows += document_rows(document, sessions, medians(seeds_beside) or seeds_start, Row)
        if max_mb is None or wait_size(quick) <= max_mb * 1_000_000:
            try:
                rows += all_wait_rows(tmux, found, wait_size(quick), folder / "input-waits", reps, Row)
            except RuntimeError as error:
                notes.append(f"input waits: {error}")
    finally:
        tmux.close()
    return rows, notes


def document_rows(document: Document, sessions: dict[str, list[Session]], seeds_start: float | None, Row: type
                  ) -> list:  # type: ignore[type-arg]  # fmt: skip
    """marginalia's figures; the others' (and their ratios to it) in the notes."""

    def figure(name: str, pick: Pick) -> float | None:
        return medians([v for s in sessions[name] for v in pick(s)])

    def others(pick: Pick, unit: str = "s") -> str:
        ours = figure("marginalia", pick)
        parts = []
        for name in sessions:
            if name != "marginalia":
                theirs = figure(name, pick)
                if theirs is None:
                    parts.append(f"{name} n/a")
                    continue
                ratio = f" (ours {ours / theirs:.2g}x)" if ours is not None and theirs else ""
                parts.append(f"{name} {Row('', theirs, unit=unit).figure()}{ratio}")
        return ", ".join(parts)

    def row(what: str, pick: Pick, unit: str = "s", limit: float | None = None, ref: float | None = None) -> object:
        ours = figure("marginalia", pick)
        values = [v for s in sessions["marginalia"] for v in pick(s) if v is not None]
        note = others(pick, unit)
        if len(values) > 1 and unit == "s":
            note += f"; ours worst {Row('', max(values)).figure()}"
        return Row(f"terminal: {what}, {document.label}", ours, unit=unit, limit=limit, ref=ref, note=note)

    def key_row(what: str, pick: Pick) -> object:
        less = figure("less", pick) if "less" in sessions else None
        return row(what, pick, limit=1.5 if less else None, ref=less)

    big = document.generated and document.label.startswith("50 MB")
    return [
        row("first screen", lambda s: [s.first], limit=1.3, ref=seeds_start),
        key_row("first page down at once", lambda s: [s.first_page]),
        key_row("page down", lambda s: s.pages),
        row("CPU per page down", lambda s: [s.page_cpu]),
        key_row("search near the end", lambda s: [s.search]),
        key_row("G (end)", lambda s: [s.end]),
        row(f"top at once after a resize to {RESIZED[0]}x{RESIZED[1]}", lambda s: [s.after_resize]),
        row("resize back, until drawn", lambda s: [s.resize]),
        row("peak memory", lambda s: [float(s.peak)], "B", limit=150 * 2**20 if big else None),
    ]


Pick = Callable[[Session], list[float | None]]


# -- how long keys wait while the reader works -------------------------------------------------------------------
WAIT_LIMIT = 0.05  # seconds: no key waits longer while later work runs
WAIT_ANNOTATIONS = 500  # highlights on the document, re-anchored on opening and reloaded
WAITS = {
    "open": "while it is read and wrapped after the first screen",
    "reanchor": f"while {WAIT_ANNOTATIONS:,} highlights are re-anchored (the file was edited)",
    "resize": f"while it is wrapped again after a resize to {RESIZED[0]}x{RESIZED[1]}",
    "reload": "while the store is reloaded after another process wrote it",
}


def wait_size(quick: bool) -> int:
    """Bytes of the document the input waits are measured on."""
    return 250_000 if quick else 50_000_000


Wait = tuple[float, float]  # (longest stall, the longest of the app's own: the CPU it used in a stall) in seconds


def lag_log(log: Path) -> tuple[list[tuple[float, float, float]], list[tuple[float, str]]]:
    """The app's lag log (``tui/ui/lag.py``): (end time, seconds late, CPU seconds) of each stall; (time, name)
    of each event."""
    lags, events = [], []
    with contextlib.suppress(OSError):
        for line in log.read_text(encoding="utf-8").splitlines():
            parts = line.split()
            if len(parts) == 4 and parts[1] == "lag":
                lags.append((float(parts[0]), float(parts[2]) / 1000, float(parts[3]) / 1000))
            elif len(parts) >= 3 and parts[1] == "event":
                events.append((float(parts[0]), parts[2]))
    return lags, events


def wait_event(log: Path, name: str, after: float, timeout: float = 180) -> float:
    """When the app noted ``name`` after time ``after`` (waiting for it)."""
    deadline = time.perf_counter() + timeout
    while time.perf_counter() < deadline:
        found = [t for t, event in lag_log(log)[1] if event == name and t > after]
        if found:
            return found[0]
        time.sleep(0.05)
    raise RuntimeError(f"the reader never noted {name!r} in {timeout:g} s")


def longest_wait(log: Path, start: float, end: float) -> Wait:
    """The longest stall that overlapped ``start``-``end``, and the longest CPU the app used in one."""
    stalls = [(late, min(late, cpu)) for t, late, cpu in lag_log(log)[0] if t > start and t - late < end]
    return max((s[0] for s in stalls), default=0.0), max((s[1] for s in stalls), default=0.0)


def unique_document(folder: Path, size: int) -> Path:
    """About ``size`` bytes of long paragraphs, none repeated (the other documents repeat a block: each quote
    would be found in every copy, and re-anchoring them all would be ambiguous). Kept and reused."""
    from data import prose

    path = folder / f"unique-{size // 1000:d}k.txt"
    if not path.exists():
        folder.mkdir(parents=True, exist_ok=True)
        path.write_text(f"Generated: long paragraphs, none alike\n\n{MARKER} {prose(size, seed=11)}", encoding="utf-8")
    return path


def input_waits(tmux: Tmux, program: Program, source: Path, folder: Path) -> dict[str, Wait]:
    """marginalia on a copy of ``source`` with ``WAIT_ANNOTATIONS`` highlights made before a line was added at its
    top (so all are re-anchored), its event loop's lag logged: the longest stall while it reads and wraps the
    document, re-anchors, wraps it again after a resize and reloads the store another process wrote."""
    from data import write_store

    from tui.store import Store

    work = folder / "session"
    shutil.rmtree(work, ignore_errors=True)
    work.mkdir(parents=True)
    path, store, log = work / source.name, work / "store" / "annotations.json", work / "lag.log"
    shutil.copyfile(source, path)
    write_store(store, path, WAIT_ANNOTATIONS)
    head, _, rest = path.read_text(encoding="utf-8").partition("\n")
    path.write_text(f"{head}\nA line added since the highlights were made.\n{rest}", encoding="utf-8")
    del head, rest
    env = {**program.env, "MARGINALIA_STORE": str(store), "MARGINALIA_LAG_LOG": str(log)}
    started = time.time()
    pane = tmux.start(program.argv([path]), env=env)
    waits = {}
    try:
        if pane.wait(lambda s: MARKER in s, timeout=120) is None:
            raise RuntimeError(f"{program.name}: first screen never showed {MARKER}")
        shown = time.time()
        read, whole = wait_event(log, "read", started), wait_event(log, "whole", started)  # read and wrapped
        reconciled = wait_event(log, "reconciled", started)
        waits["open"] = longest_wait(log, shown, max(read, whole))
        waits["reanchor"] = longest_wait(log, read, reconciled)
        pane.settle()
        before = time.time()
        pane.resize(RESIZED)
        try:
            wrapped = wait_event(log, "wrapped", before, timeout=30)
        except RuntimeError:  # a resize lost on a loaded machine: again, narrower
            pane.resize((RESIZED[0] - 10, RESIZED[1]))
            wrapped = wait_event(log, "wrapped", before, timeout=60)
        waits["resize"] = longest_wait(log, before, wrapped)
        pane.settle()
        before = time.time()
        writer = Store(store)  # another process: this one
        writer.update(writer.annotations()[0].id, note="written by another process")
        waits["reload"] = longest_wait(log, before, wait_event(log, "reloaded", before, timeout=30))
    finally:
        pane.close()
    return waits


def all_wait_rows(tmux: Tmux, programs: list[Program], size: int, folder: Path, reps: int, Row: type
                  ) -> list:  # type: ignore[type-arg]  # fmt: skip
    """The longest input wait during each kind of later work, for marginalia and each checkout compared with it
    (interleaved): the median over ``reps`` sessions of each session's longest (the worst in the note, and the
    wall-clock stall, which a loaded machine stretches)."""
    source = unique_document(folder, size)
    ours = [p for p in programs if p.ours]
    sessions: dict[str, list[dict[str, Wait]]] = {p.name: [] for p in ours}
    for _ in range(reps):
        for program in ours:
            sessions[program.name].append(input_waits(tmux, program, source, folder))
    rows = []
    for program in ours:
        suffix = "" if program.name == "marginalia" else f" ({program.name})"
        rows += wait_rows(sessions[program.name], f"{size / 1_000_000:g} MB, long paragraphs{suffix}", Row)
    return rows


def wait_rows(sessions: list[dict[str, Wait]], label: str, Row: type) -> list:  # type: ignore[type-arg]
    rows = []
    for kind, what in WAITS.items():
        walls = [s[kind][0] for s in sessions if kind in s]
        busy = [s[kind][1] for s in sessions if kind in s]
        note = (
            f"the app's own CPU in the longest stall; wall clock {Row('', medians(walls)).figure()} "
            f"(worst {Row('', max(walls)).figure()})"
            if walls
            else ""
        )
        rows.append(Row(f"terminal: longest input wait {what}, {label}", medians(busy),
                        limit=WAIT_LIMIT, note=note))  # fmt: skip
    return rows
