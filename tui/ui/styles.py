"""Where a room's styles are: the .tcss file beside its module (shipped in the wheel; tests/test_styles.py checks).

The reader's own rooms (what the first screen shows) load with the app; a screen's or a dialog's load when it is
first opened (Textual reads a screen's ``CSS_PATH`` as it is pushed), so a start parses and matches only the rules
of what it shows. Every file's selectors start with its room's class, so the order they load in changes nothing.
"""

from __future__ import annotations

from pathlib import Path, PurePath


def styles_of(module_file: str) -> list[str | PurePath]:
    """The styles of the module at ``module_file``, absolute (Textual reads a relative path beside the file of a
    subclass, and tests and benchmarks subclass the screens and the app)."""
    return [Path(module_file).with_suffix(".tcss")]
