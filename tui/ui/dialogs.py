"""Modal dialogs: tagging a highlight with themes and a note, asking for a line of text, confirming."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical, VerticalScroll
from textual.content import Content
from textual.screen import ModalScreen
from textual.suggester import Suggester
from textual.widgets import Input, Label, OptionList, Static
from textual.widgets.option_list import Option

from ..model import Theme, theme_key
from ..text import safe_line, sanitise
from . import keys
from .chips import chip
from .focus import focus_now
from .safe_input import SafeInput, original
from .styles import styles_of


def rank_themes(fragment: str, themes: list[Theme], usage: dict[str, int]) -> list[Theme]:
    """Themes matching ``fragment``: prefix matches, then other fuzzy (in-order letters) matches; most used first."""
    needle = theme_key(fragment)

    def fuzzy(name: str) -> bool:
        rest = iter(name)
        return all(ch in rest for ch in needle)

    prefix = [t for t in themes if t.key.startswith(needle)]
    other = [t for t in themes if not t.key.startswith(needle) and fuzzy(t.key)]
    by_use = lambda t: (-usage.get(t.key, 0), t.key)  # noqa: E731
    return sorted(prefix, key=by_use) + sorted(other, key=by_use)


def split_fragment(value: str) -> tuple[str, str]:
    """``"a, b, sa"`` -> (``"a, b, "``, ``"sa"``): the themes already typed and the one being typed."""
    head, _, last = value.rpartition(",")
    lead = len(last) - len(last.lstrip())
    return (head + "," + last[:lead] if head else last[:lead]), last.lstrip()


class ThemeSuggester(Suggester):
    """Completes the theme being typed (the text after the last comma) with the best-ranked existing theme."""

    def __init__(self, themes: list[Theme], usage: dict[str, int]) -> None:
        super().__init__(use_cache=False, case_sensitive=True)
        self.themes = themes
        self.usage = usage

    async def get_suggestion(self, value: str) -> str | None:
        head, fragment = split_fragment(value)
        if not fragment:
            return None
        for theme in rank_themes(fragment, self.themes, self.usage):
            if theme.key.startswith(theme_key(fragment)) and theme.key != theme_key(fragment):
                return head + fragment + theme.name[len(fragment) :]
        return None


@dataclass
class Tagging:
    themes: list[str]
    note: str


class ThemeDialog(ModalScreen[Tagging | None]):
    """Type themes (comma-separated, completed from existing ones) and an optional note; enter saves."""

    CSS_PATH = styles_of(__file__)

    BINDING_GROUP_TITLE = "Theme dialog"
    BINDINGS = [
        Binding("escape", "cancel", "cancel", id="tagging-cancel", tooltip="Close without saving"),
        Binding("down", "to_list", "existing themes", show=False, id="tagging-pick", tooltip="Pick an existing theme"),
        Binding("tab", "other_field", "next field", show=False, id="tagging-next-field", tooltip="Themes / note"),
        Binding("pagedown", "scroll_passage(1)", "scroll passage", show=False, id="tagging-passage-down",
                tooltip="Scroll the passage down (to check its end)"),
        Binding("pageup", "scroll_passage(-1)", "scroll passage up", show=False, id="tagging-passage-up",
                tooltip="Scroll the passage up"),
    ]  # fmt: skip

    def __init__(
        self, quote: str, themes: list[Theme], usage: dict[str, int], current: list[str] | None = None,
        note: str = "", title: str = "Tag highlight",
    ) -> None:  # fmt: skip
        super().__init__()
        self.quote = quote
        self.themes = themes
        self.usage = usage
        self.current = current or []
        self.note = note
        self.heading = title

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Label(Content(self.heading), classes="title")
            with VerticalScroll(id="passage", can_focus=False):  # the whole passage: its ends can be checked
                yield Static(Content(sanitise(self.quote.strip())), id="quote")
            yield SafeInput(
                ", ".join(self.current),
                placeholder="themes, comma-separated (→ completes)",
                suggester=ThemeSuggester(self.themes, self.usage),
                id="themes",
            )
            yield OptionList(id="matches")
            yield SafeInput(self.note, placeholder="note (optional)", id="note")
            hint = keys.hint(
                self.app, ThemeDialog, ["tagging-cancel", "tagging-pick", "tagging-next-field"], ["enter save"]
            )
            yield Static(hint, classes="hint")

    def on_mount(self) -> None:
        self._show_matches("")
        focus_now(self.query_one("#themes", Input))
        self.call_after_refresh(self._say_how_long)

    def _say_how_long(self) -> None:
        """The title counts the passage's words; one taller than its box says how to see the rest."""
        words = len(self.quote.split())
        title = f"{self.heading} · {words} word{'s' * (words != 1)}"
        passage = self.query_one("#passage", VerticalScroll)
        if passage.max_scroll_y > 0:
            down = keys.key_name(self.app, ThemeDialog, "tagging-passage-down")
            up = keys.key_name(self.app, ThemeDialog, "tagging-passage-up")
            title += f" ({down} / {up}: the rest of it)"
        self.query_one(".title", Label).update(Content(title))

    def action_scroll_passage(self, step: int) -> None:
        passage = self.query_one("#passage", VerticalScroll)
        passage.scroll_to(y=passage.scroll_y + step * max(passage.size.height - 1, 1), animate=False)

    @on(Input.Changed, "#themes")
    def _themes_changed(self, event: Input.Changed) -> None:
        self._show_matches(split_fragment(event.value)[1])

    def _show_matches(self, fragment: str) -> None:
        ranked = rank_themes(fragment, self.themes, self.usage)[:20]
        options = self.query_one("#matches", OptionList)
        options.clear_options()
        for theme in ranked:
            name = sanitise(theme.name)
            label = Content.assemble(chip(theme.colour), " ", name, (f"  ({self.usage.get(theme.key, 0)})", "dim"))
            options.add_option(Option(label, id=theme.key))
        options.display = bool(ranked)

    def action_other_field(self) -> None:
        """tab goes between the two fields; the list of themes is reached with the down arrow."""
        themes, note = self.query_one("#themes", Input), self.query_one("#note", Input)
        focus_now(note if self.focused is themes else themes)

    def action_to_list(self) -> None:
        options = self.query_one("#matches", OptionList)
        if options.display:
            focus_now(options)
            options.highlighted = 0

    @on(OptionList.OptionSelected, "#matches")
    def _pick(self, event: OptionList.OptionSelected) -> None:
        theme = next(t for t in self.themes if t.key == event.option.id)
        field = self.query_one("#themes", Input)
        head, _ = split_fragment(field.value)
        field.value = f"{head}{theme.name}, "
        focus_now(field)
        field.cursor_position = len(field.value)

    @on(Input.Submitted)
    def _submit(self) -> None:
        raw = self.query_one("#themes", Input).value
        stored = {safe_line(t.name): t.name for t in self.themes}  # the input shows (and holds) safe forms
        names = [stored.get(n.strip(), n.strip()) for n in raw.split(",") if n.strip()]
        note = original(self.query_one("#note", Input).value, self.note)
        self.dismiss(Tagging(names, note.strip()))

    def action_cancel(self) -> None:
        self.dismiss(None)


class PromptDialog(ModalScreen[str | None]):
    """One line of text: a new theme name, a description, a colour, a file name. With ``check``, an answer it
    finds a problem with is not taken: the problem is shown under the field, which keeps the text to correct."""

    CSS_PATH = styles_of(__file__)

    BINDING_GROUP_TITLE = "Question"
    BINDINGS = [Binding("escape", "cancel", "cancel", id="prompt-cancel", tooltip="Close without an answer")]

    def __init__(
        self, question: str, value: str = "", placeholder: str = "",
        check: Callable[[str], str | None] | None = None, suggester: Suggester | None = None,
    ) -> None:  # fmt: skip
        super().__init__()
        self.question = question
        self.value = value
        self.placeholder = placeholder
        self.check = check
        self.suggester = suggester

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Label(Content(sanitise(self.question)))
            yield SafeInput(self.value, placeholder=self.placeholder, suggester=self.suggester)
            yield Label(id="problem")

    def on_mount(self) -> None:
        focus_now(self.query_one(Input))

    @on(Input.Submitted)
    def _submit(self, event: Input.Submitted) -> None:
        answer = original(event.value, self.value)
        problem = self.check(answer.strip()) if self.check is not None and answer.strip() else None
        if problem is not None:
            shown = self.query_one("#problem", Label)
            shown.update(Content(sanitise(problem)))
            shown.add_class("-shown")
            return
        self.dismiss(answer)

    @on(Input.Changed)
    def _typed(self) -> None:
        self.query_one("#problem", Label).remove_class("-shown")

    def action_cancel(self) -> None:
        self.dismiss(None)


class ConfirmDialog(ModalScreen[bool]):
    CSS_PATH = styles_of(__file__)
    BINDING_GROUP_TITLE = "Confirmation"
    BINDINGS = [
        Binding("y", "answer(True)", "yes", id="confirm-yes"),
        Binding("n,escape", "answer(False)", "no", id="confirm-no"),
    ]

    def __init__(self, question: str) -> None:
        super().__init__()
        self.question = question

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Label(Content(sanitise(self.question)))
            yield Label(keys.hint(self.app, ConfirmDialog, ["confirm-yes", "confirm-no"]))

    def action_answer(self, yes: bool) -> None:
        self.dismiss(yes)
