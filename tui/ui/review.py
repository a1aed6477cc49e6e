"""The review panel: docked under the panes, so the place being judged shows in its pane above. It lists the
highlights re-anchoring was unsure of (``tui.review``); ``enter`` selects the place in its pane, ``right``/``left``
step through an ambiguous highlight's places, one key accepts the place shown, one rejects (an orphan). The app
saves each verdict as one undoable change."""

from __future__ import annotations

from collections.abc import Callable, Iterable

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.content import Content
from textual.message import Message
from textual.widgets import Label, OptionList, Static
from textual.widgets.option_list import Option

from .. import review
from ..model import Annotation
from ..review import Place
from ..text import sanitise
from ..wording import cut
from . import keys
from .chips import chip
from .focus import focus_now


def _line(text: str, limit: int) -> str:
    return cut(sanitise(" ".join(text.split())), limit)


class ReviewPanel(Vertical):
    BINDING_GROUP_TITLE = "Review list"
    BINDINGS = [
        Binding("enter", "show", "show", id="review-show", tooltip="Show the place in its pane (selected)"),
        Binding("right", "step(1)", "next place", id="review-next-place",
                tooltip="An ambiguous highlight's next place"),
        Binding("left", "step(-1)", "previous place", id="review-previous-place",
                tooltip="An ambiguous highlight's previous place"),
        Binding("y", "accept", "accept", id="review-accept",
                tooltip="Accept the place shown: its text becomes the quote and context, anchored"),
        Binding("x", "reject", "reject", id="review-reject",
                tooltip="Reject the place: the highlight becomes an orphan"),
        Binding("escape", "close", "close", id="review-close", tooltip="Close the review list"),
    ]  # fmt: skip

    class Show(Message):
        """Show ``annotation``'s ``place`` (None: nothing to show) in its pane."""

        def __init__(self, annotation: Annotation, place: Place | None) -> None:
            super().__init__()
            self.annotation, self.place = annotation, place

    class Decided(Message):
        """The reader's verdict on ``annotation``: accept (``place``: the place shown, None if it has none: the
        app takes the selection in its pane) or reject."""

        def __init__(self, annotation: Annotation, accept: bool, place: Place | None) -> None:
            super().__init__()
            self.annotation, self.accept, self.place = annotation, accept, place

    class Closed(Message):
        pass

    def __init__(self, colour_of: Callable[[Annotation], str], title_of: Callable[[str], str]) -> None:
        super().__init__(id="review")
        self.colour_of = colour_of
        self.title_of = title_of  # a document path's title
        self.items: list[Annotation] = []
        self.stepped: dict[str, int] = {}  # annotation id -> the place shown, of ``review.places``

    def compose(self) -> ComposeResult:
        yield Label("Review", classes="title", id="review-title")
        yield OptionList(id="review-list")
        yield Static("", id="review-place", markup=False)
        ids = ["review-accept", "review-reject", "review-next-place", "review-close"]
        yield Label(keys.hint(self.app, ReviewPanel, ids, ["enter show"]), classes="hint")

    @property
    def shown(self) -> bool:
        return self.has_class("-shown")

    @property
    def options(self) -> OptionList:
        return self.query_one("#review-list", OptionList)

    def open(self, annotations: Iterable[Annotation]) -> None:
        self.add_class("-shown")
        self.fill(annotations)
        focus_now(self.options)

    def action_close(self) -> None:
        self.remove_class("-shown")
        self.post_message(self.Closed())

    def fill(self, annotations: Iterable[Annotation]) -> None:
        """The list from ``annotations`` (the app's, after every change), the same row highlighted."""
        options = self.options
        at = options.highlighted or 0
        self.items = review.to_review(annotations)
        options.clear_options()
        for annotation in self.items:
            themes = _line(", ".join(annotation.themes), 40) or "(no theme)"
            head = Content.assemble(
                chip(self.colour_of(annotation)), " ", (themes, "bold"), " · ", (review.reason(annotation), "italic"),
                "  ", (_line(self.title_of(annotation.document.path), 30), "dim"),
            )  # fmt: skip
            options.add_option(Option(Content.assemble(head, "\n\u00a0\u00a0“", _line(annotation.quote, 70), "”"),
                                      id=annotation.id))  # fmt: skip
        count = len(self.items)
        title = f"Review: {count} highlight{'s' * (count != 1)} to check" if count else "Review: nothing to check"
        self.query_one("#review-title", Label).update(Content(title))
        if count:
            options.highlighted = min(at, count - 1)
        self._describe()

    def current(self) -> Annotation | None:
        index = self.options.highlighted
        return self.items[index] if index is not None and 0 <= index < len(self.items) else None

    def place(self, annotation: Annotation) -> Place | None:
        """The place shown for ``annotation`` (stepped to), or None if it has none."""
        found = review.places(annotation)
        return found[self.stepped.get(annotation.id, 0) % len(found)] if found else None

    @on(OptionList.OptionHighlighted, "#review-list")
    def _highlighted(self) -> None:
        self._describe()

    def _describe(self, text: str = "") -> None:
        """The line under the list: which place is shown, of how many, and its text."""
        annotation = self.current()
        line = self.query_one("#review-place", Static)
        if annotation is None:
            line.update(Content(""))
            return
        found = review.places(annotation)
        place = self.place(annotation)
        if place is None:
            line.update(Content.styled("no place to show: select one in the pane (tab), then y", "italic"))
            return
        number = self.stepped.get(annotation.id, 0) % len(found) + 1
        score = f" · score {place.score:.2f}" if place.score is not None else ""
        there = f" · “{_line(text, 60)}”" if text else ""
        line.update(Content(f"place {number} of {len(found)} at {place.start}:{place.end}{score}{there}"))

    @on(OptionList.OptionSelected, "#review-list")
    def _selected(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        self.action_show()

    def action_show(self) -> None:
        annotation = self.current()
        if annotation is not None:
            self.post_message(self.Show(annotation, self.place(annotation)))

    def shown_text(self, text: str) -> None:
        """The app tells the text at the place it showed."""
        self._describe(text)

    def action_step(self, step: int) -> None:
        annotation = self.current()
        if annotation is None:
            return
        count = len(review.places(annotation))
        if count < 2:
            self.app.notify("This highlight has only one place to look at", timeout=2)
            return
        self.stepped[annotation.id] = (self.stepped.get(annotation.id, 0) + step) % count
        self.action_show()

    def action_accept(self) -> None:
        annotation = self.current()
        if annotation is not None:
            self.post_message(self.Decided(annotation, True, self.place(annotation)))

    def action_reject(self) -> None:
        annotation = self.current()
        if annotation is None:
            return
        if annotation.status == "orphan" and not annotation.candidates:
            self.app.notify("Already an orphan: select its place in the pane and accept (y), or delete it", timeout=3)
            return
        self.post_message(self.Decided(annotation, False, None))
