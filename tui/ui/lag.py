"""How long a key would wait: the event loop's lag, logged for the benchmark (``MARGINALIA_LAG_LOG=FILE``).

A key read from the terminal is handled when the event loop next gets to it, so the loop's longest stall while
some work runs is the longest any key typed then waits. A task asks to wake every ``TICK``; each wake-up later than
that by more than ``NOTED`` is a line ``TIME lag MS CPU`` (``TIME``: ``time.time()`` when the stall ended, so
that another process can compare it with its own clock; ``CPU``: the milliseconds of CPU the whole process used
meanwhile, which tell the app's own work from a loaded machine that ran something else). The app notes when its
background work ends (``TIME event NAME PEAK``: ``read``, ``wrapped``, ``whole`` (read and wrapped),
``reconciled``, ``reloaded``; ``PEAK``: the peak resident set so far, in bytes), so the benchmark knows which
stalls happened during what. Without the variable nothing runs and ``note`` does nothing.
"""

from __future__ import annotations

import asyncio
import os
import time
from typing import TextIO

ENV = "MARGINALIA_LAG_LOG"
TICK = 0.005  # seconds between wake-ups asked for
NOTED = 0.002  # seconds late: less is the loop's own jitter, not worth a line


class _Watch:
    """The log and the task that writes it (one per process: the app's)."""

    log: TextIO | None = None
    task: asyncio.Task[None] | None = None


_watch = _Watch()


def start() -> None:
    """Start watching the running loop, if the variable names a file (opened for appending)."""
    path = os.environ.get(ENV)
    if not path or _watch.task is not None:
        return
    try:
        _watch.log = open(path, "a", buffering=1, encoding="utf-8")  # noqa: SIM115  (open for the app's whole life)
    except OSError:
        return
    _watch.task = asyncio.get_running_loop().create_task(_ticks(_watch.log))


def note(event: str) -> None:
    """Log that ``event`` happened now (nothing when not watching)."""
    if _watch.log is not None:
        _watch.log.write(f"{time.time():.6f} event {event} {_peak_rss()}\n")


def _peak_rss() -> int:
    """This process's peak resident set so far, in bytes (0 where /proc has none)."""
    try:
        with open("/proc/self/status", encoding="ascii") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    return 0


async def _ticks(log: TextIO) -> None:
    last, last_cpu = time.perf_counter(), time.process_time()
    while True:
        await asyncio.sleep(TICK)
        now, cpu = time.perf_counter(), time.process_time()
        late = now - last - TICK
        if late > NOTED:
            log.write(f"{time.time():.6f} lag {late * 1000:.1f} {(cpu - last_cpu) * 1000:.1f}\n")
        last, last_cpu = now, cpu
