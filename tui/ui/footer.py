"""The reader's footer: Textual's ``Footer``, recomposed only when the keys it shows change.

Textual's ``Footer`` recomposes itself (removes its keys, mounts a dozen new ones, styles them, then the whole
screen is laid out again) every time the bindings may have changed: on every focus change, several times over.
Opening and closing the search bar did it a dozen times, 100 ms of work or more, and a key typed meanwhile (``G``
right after a search) waited for it. This one recomposes when what it would show is not what it shows.
"""

from __future__ import annotations

from textual.app import ComposeResult
from textual.widgets import Footer

Shown = tuple[object, ...]


class ReaderFooter(Footer):
    _shown: Shown | None = None  # what the last compose showed

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

    async def recompose(self) -> None:
        if self._shown is not None and self.is_attached and self._wanted() == self._shown:
            return
        await super().recompose()
