"""A screen's frame timer: Textual's own (60 frames a second, paused while nothing needs drawing), with the slot it
waits for after a pause fixed.

Textual's screen draws on a repeating ``Timer`` that it pauses after each frame and resumes when a widget needs
drawing. Resumed after a pause, the timer draws at once (the slot it waited for has passed), then skips ahead to
the next slot, but one too far: ``count = int((now - start) / interval + 1)`` makes the tick after it the second
slot still ahead, not the first (Textual 8.2). A key pressed right after such a frame waited 17-33 ms for its
own, not 0-17: the longest waits of the keys pressed while a corpus search runs (a frame drawn for the hits that
came, the key's frame two slots later). ``FrameTimer`` is that timer with the first slot ahead.
"""

from __future__ import annotations

from textual import _time
from textual.timer import EventTargetGone, Timer


def ahead(start: float, count: int, interval: float, now: float) -> int:
    """The count of the last slot passed at ``now`` (at least ``count``): the next tick, ``count + 1``, is the first
    slot still ahead."""
    return max(count, int((now - start) / interval))


class FrameTimer(Timer):
    async def _run(self) -> None:  # Textual's ``Timer._run`` with ``ahead`` (and no repeat count: for ever)
        count, interval = 0, self._interval
        await self._active.wait()
        start = _time.get_time()
        while True:
            next_timer = start + (count + 1) * interval
            now = _time.get_time()
            if self._skip and next_timer < now:
                count = ahead(start, count, interval, now)
                continue
            await _time.sleep(max(0, next_timer - now))
            count += 1
            await self._active.wait()
            if self._reset:
                start, count, self._reset = _time.get_time(), 0, False
                continue
            try:
                await self._tick(next_timer=next_timer, count=count)
            except EventTargetGone:
                break
