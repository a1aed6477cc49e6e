"""Focus that takes effect at once."""

from __future__ import annotations

from textual.widget import Widget


def focus_now(widget: Widget) -> None:
    """Focus ``widget`` now. ``Widget.focus()`` waits its turn in the message queue, so keys typed in a burst right
    after (``tab`` then a note, ``/`` then a query) would reach the widget that had the focus before."""
    widget.screen.set_focus(widget)
