"""The first screen's styles, parsed once and kept between starts.

Textual parses every rule the first screen uses (its widgets' own and the reader's .tcss files) at every start:
10 ms of the seeds' start, twice what a bare Textual app parses. The parsed rules are pickled into the user's cache
folder and read back by the next start in 1 ms. Each is kept under the Textual version, its CSS, where the CSS is
from and the colour scheme's variables, so an edited file, another version or another scheme is parsed afresh. A
cache that cannot be read or written is ignored: the start parses, as it would without one.
"""

from __future__ import annotations

import os
import pickle
from pathlib import Path
from typing import Any

import textual
from textual.css.model import RuleSet
from textual.css.stylesheet import Stylesheet

from ..digest import sha256

Key = tuple[str, str, Any, bool, int, str]  # (variables' digest, css, where it is from, defaults?, tie breaker, scope)


def cache_path() -> Path:
    """The file for the Textual installed: named by its parser's and styles' files (``textual.__version__`` reads
    the package's metadata: 15 ms), so another version (or a Textual edited in place) has a file of its own."""
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    css = Path(textual.__file__).parent / "css"
    stats = [(name, (css / name).stat()) for name in ("parse.py", "model.py", "styles.py", "tokenize.py")]
    text = repr([(str(css), name, st.st_size, st.st_mtime_ns) for name, st in stats]).encode("utf-8", "surrogatepass")
    return Path(base) / "marginalia" / f"styles-{sha256(text).hexdigest()[:16]}.pickle"


class StyleCache:
    """Parsed rules by ``Key``: those read from the cache file, and those this start parsed or used."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.kept: dict[Key, list[RuleSet]] = {}
        self.used: dict[Key, list[RuleSet]] = {}
        self.parsed = False  # something was parsed that the file did not have
        self._digests: tuple[int, str] = (0, "")
        try:
            with path.open("rb") as file:
                kept = pickle.load(file)
            if isinstance(kept, dict):
                self.kept = kept
        except Exception:  # missing, damaged or from another Python: parsed afresh (and written again)
            pass

    def install(self, stylesheet: Stylesheet) -> None:
        """Have ``stylesheet`` take its parsed rules from here (Textual's own per-stylesheet cache stays in front)."""
        parse = stylesheet._parse_rules

        def parse_rules(
            css: str, read_from: Any, is_default_rules: bool = False, tie_breaker: int = 0, scope: str = ""
        ) -> list[RuleSet]:
            key = (self._digest(stylesheet._variables), css, read_from, is_default_rules, tie_breaker, scope)
            rules = self.kept.get(key)
            if rules is None:
                rules = parse(css, read_from, is_default_rules, tie_breaker, scope)
                self.parsed = True
            if not any(rule.errors for rule in rules):  # (errors are reported at every start)
                self.used[key] = rules
            return rules

        stylesheet._parse_rules = parse_rules  # type: ignore[method-assign]

    def _digest(self, variables: dict[str, str]) -> str:
        if self._digests[0] != id(variables):  # (a new colour scheme is a new dict)
            text = repr(sorted(variables.items())).encode("utf-8", "surrogatepass")
            self._digests = (id(variables), sha256(text).hexdigest()[:32])
        return self._digests[1]

    def save(self) -> None:
        """Write what this start used, if it parsed anything new (atomically: another start may be reading)."""
        if not self.parsed or not self.used:
            return
        import tempfile  # (not at the start: this runs after the first frame, and only when something changed)

        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            handle, temporary = tempfile.mkstemp(dir=self.path.parent, prefix=".styles-", suffix=".tmp")
            try:
                with os.fdopen(handle, "wb") as file:
                    pickle.dump(self.used, file, protocol=pickle.HIGHEST_PROTOCOL)
                os.replace(temporary, self.path)
            except BaseException:
                os.unlink(temporary)
                raise
        except (OSError, pickle.PicklingError, TypeError, AttributeError):
            pass  # no cache: the next start parses, as this one did
        self.parsed = False
