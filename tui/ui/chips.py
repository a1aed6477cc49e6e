"""A theme's colour as a chip of two cells, beside its name (status lines, lists, dialogs)."""

from __future__ import annotations

from textual.content import Content


def chip(colour: str) -> Content:
    return Content.styled("██", colour)
