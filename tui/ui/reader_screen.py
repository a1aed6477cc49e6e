"""The reader's main screen: Textual's, but after a resize the paint comes a moment after the layout."""

from __future__ import annotations

from textual.geometry import Size
from textual.screen import Screen

PAINT_DELAY = 0.01  # seconds between a resize's layout and its paint: keys typed meanwhile are handled first


class ReaderScreen(Screen[None]):
    """On a resize Textual lays the screen out and paints all of it in one go: 15-20 ms of CPU at 160x45 (twice
    that in wall time, while the terminal's writer thread takes the interpreter lock), and the views' own resize
    handling right after, so a key typed then waited 30-50 ms. Here the layout is done at once, and the paint
    (of the whole screen all the same: the layout marked all of it dirty) ``PAINT_DELAY`` later, with Textual's
    own batch (nothing is painted meanwhile, whoever asks)."""

    _laid_out: Size | None = None  # the size of the last layout (the first one, at the start, paints at once)
    _paint_pending = False

    def _screen_resized(self, size: Size) -> None:
        if self._laid_out is not None and size != self._laid_out and not self._paint_pending and self.is_current:
            self._paint_pending = True
            self.app._begin_batch()
            self.app.set_timer(PAINT_DELAY, self._paint_resized)
        self._laid_out = size
        super()._screen_resized(size)

    def _paint_resized(self) -> None:
        self._paint_pending = False
        self.app._end_batch()
        self.refresh()

    def _compositor_refresh(self) -> None:
        if self._paint_pending:  # (the paint the layout asked for: ``_paint_resized`` does it)
            return
        super()._compositor_refresh()
