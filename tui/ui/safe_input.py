"""An ``Input`` whose value, suggestion and placeholder can never carry control codes to the terminal.

Textual's ``Input`` draws its value as it is: a theme named with an escape sequence, put in a rename prompt, or a
pasted OSC 52 clipboard write, would reach the terminal raw. Every value passes ``text.safe_line`` (one for one,
so cursor positions hold); dialogs that pre-fill a value compare against that safe form to keep the original.
"""

from __future__ import annotations

from textual.binding import Binding
from textual.widgets import Input

from ..text import safe_line


class SafeInput(Input):
    BINDING_GROUP_TITLE = "Text fields"
    # Keys typed while the app starts reach it before the terminal is in raw mode: the line discipline has made
    # their Enter (a carriage return) a line feed, ctrl+j. In a one-line field both submit.
    BINDINGS = [
        Binding("ctrl+j", "submit", "submit", show=False, id="field-submit", tooltip="Submit the field (as enter does)")
    ]

    def validate_value(self, value: str) -> str:
        return safe_line(value)

    def validate__suggestion(self, value: str) -> str:
        return safe_line(value)

    def validate_placeholder(self, value: str) -> str:
        return safe_line(value)


def original(submitted: str, prefilled: str) -> str:
    """What the user meant: the pre-filled text itself when they submitted its safe form unchanged."""
    return prefilled if submitted == safe_line(prefilled) else submitted
