"""The reader's footer: Textual's ``Footer``, recomposed only when the keys it shows change, and keys that come and
go with the focus shown and hidden in place.

Textual's ``Footer`` recomposes itself (removes its keys, mounts a dozen new ones, styles them, then the whole
screen is laid out again) every time the bindings may have changed: on every focus change, several times over.
Opening and closing the search bar did it a dozen times, 100 ms of work or more, and a key typed meanwhile (``G``
right after a search) waited for it. This one recomposes when what it would show is not what it shows.

A focused ``Input`` takes the printable keys, so its screen's keys on them (``space``, ``h`` in the corpus search)
leave the footer while it has the focus and come back after it. The footer also composes those keys, hidden, and
shows or hides them as the focus moves: no keys mounted and styled then (25 ms of the focus move into the corpus
search's hits, in the way of the keys pressed right after it).
"""

from __future__ import annotations

from collections.abc import Iterator

from textual.app import ComposeResult
from textual.binding import Binding
from textual.dom import DOMNode
from textual.widgets import Footer
from textual.widgets._footer import FooterKey

Entry = tuple[str, str, str, str, str, object, bool, object]  # a binding shown: see ``_wanted``
Shown = tuple[bool, bool, tuple[Entry, ...]]  # the footer's settings (compact, the palette's key) and keys
Looks = tuple[object, ...]  # a key as its FooterKey shows it: key, display, description, action, enabled, tooltip


class ReaderFooter(Footer):
    _shown: Shown | None = None  # what the footer shows now

    def _wanted(self) -> Shown:
        """What a compose would show now: each binding shown (key, what it shows, whether it is enabled, its
        group), the command palette's, and the footer's own settings."""
        app = self.app
        palette = self.show_command_palette and app.ENABLE_COMMAND_PALETTE
        return (
            self.compact,
            palette,
            tuple(
                (name, binding.key, app.get_key_display(binding), binding.description, binding.action,
                 binding.group, enabled, tooltip)
                for name, (_, binding, enabled, tooltip) in self.screen.active_bindings.items()
                if binding.show or (palette and name == app.COMMAND_PALETTE_BINDING)
            ),
        )  # fmt: skip

    def compose(self) -> ComposeResult:
        self._shown = self._wanted() if self._bindings_ready else None
        yield from super().compose()
        if self._shown is not None and self._looks_of(self._shown) is not None:
            for binding, enabled in self._taken():  # (after the palette's key: it is docked to the right)
                key = FooterKey(
                    binding.key, self.app.get_key_display(binding), binding.description, binding.action,
                    disabled=not enabled, tooltip=binding.tooltip,
                ).data_bind(compact=Footer.compact)  # fmt: skip
                key.display = False
                yield key

    def on_mount(self) -> None:
        self.watch(self.screen, "focused", self._focus_moved, init=False)

    def _focus_moved(self) -> None:
        """Show and hide keys at once, in the frame the focus move is drawn in: one layout of the screen for
        both (Textual's own update comes a frame later: it then finds nothing to change)."""
        if self._shown is not None and self.is_attached and self.app.app_focus:
            self._toggled(self._wanted())

    async def recompose(self) -> None:
        if self._shown is not None and self.is_attached:
            wanted = self._wanted()
            if wanted == self._shown or self._toggled(wanted):
                return
        await super().recompose()

    def _looks_of(self, shown: Shown) -> list[Looks] | None:
        """The keys ``shown`` (but the command palette's), as their FooterKeys show them: one per action, as
        ``Footer`` composes them; None if some are in a binding group (composed in groups of their own)."""
        palette = self.app.COMMAND_PALETTE_BINDING if shown[1] else None
        looks: list[Looks] = []
        actions: set[object] = set()
        for name, key, display, description, action, group, enabled, tooltip in shown[2]:
            if group is not None:
                return None
            if name != palette and action not in actions:
                actions.add(action)
                looks.append((key, display, description, action, enabled, tooltip or ""))
        return looks

    def _palette(self, shown: Shown) -> list[Entry]:
        palette = self.app.COMMAND_PALETTE_BINDING if shown[1] else None
        return [entry for entry in shown[2] if entry[0] == palette]

    def _taken(self) -> Iterator[tuple[Binding, bool]]:
        """The screen's (and, under a screen that is not modal, the app's) keys to show that are not active now
        (a focused Input takes them, or binds them to something it does not show), with whether each is
        enabled."""
        active = self.screen.active_bindings
        actions = {binding.action for _, binding, _, _ in active.values() if binding.show}
        namespaces: list[DOMNode] = [self.screen] if self.screen.is_modal else [self.screen, self.app]
        for namespace in namespaces:
            for key, binding in namespace._bindings:
                action = binding.action
                if not binding.show or action in actions or binding.group is not None:
                    continue
                if key in active and active[key].binding is binding:  # (active: shown as it is)
                    continue
                if "." in action or "(" in action:  # (not this namespace's own, or with arguments: left out)
                    continue
                state = namespace.check_action(action, ())
                if state is not False:
                    actions.add(action)
                    yield binding, bool(state)

    def _toggled(self, wanted: Shown) -> bool:
        """Show ``wanted`` by showing and hiding the keys composed, if it has the same settings and its keys are
        those composed (in their order) less some; else False (a recompose will show it)."""
        assert self._shown is not None
        keys = self._looks_of(wanted)
        if keys is None or wanted[:2] != self._shown[:2] or self._palette(wanted) != self._palette(self._shown):
            return False
        composed = [key for key in self.query_children(FooterKey) if not key.has_class("-command-palette")]
        looks = [self._looks(key) for key in composed]
        if [look for look in looks if look in keys] != keys or len(set(looks)) != len(looks):
            return False
        for key, look in zip(composed, looks, strict=True):
            key.display = look in keys
        self._shown = wanted
        return True

    @staticmethod
    def _looks(key: FooterKey) -> Looks:
        return key.key, key.key_display, key.description, key.action, not key._disabled, key.tooltip or ""
