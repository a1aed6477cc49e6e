"""Undo and redo: each change knows how to apply itself to the store and how to take itself back."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Any

from .codebook import subtree_renames
from .memos import MemoKey
from .model import Annotation, Theme, theme_key
from .store import Store


class Change:
    label = "change"

    def apply(self, store: Store) -> None:
        raise NotImplementedError

    def revert(self, store: Store) -> None:
        raise NotImplementedError


def _new_themes(store: Store, names: list[str]) -> list[str]:
    """The themes in ``names`` the store does not have yet: a change that creates them takes them back too."""
    have = {t.key for t in store.themes()}
    new: dict[str, str] = {}
    for name in names:
        if theme_key(name) not in have:
            new.setdefault(theme_key(name), name)  # once, however many spellings
    return list(new.values())


def _drop_unused(store: Store, names: list[str]) -> None:
    """Remove the themes in ``names`` that no annotation uses (any more)."""
    used = {theme_key(t) for a in store.annotations() for t in a.themes}
    store.remove_themes([name for name in names if theme_key(name) not in used])


@dataclass
class Created(Change):
    annotation: Annotation
    new_themes: list[str] = field(default_factory=list)  # the themes it created, for the undo to remove
    label = "highlight"

    def apply(self, store: Store) -> None:
        with store.batch():
            self.new_themes = _new_themes(store, self.annotation.themes)
            store.put(replace(self.annotation, themes=list(self.annotation.themes)))

    def revert(self, store: Store) -> None:
        with store.batch():
            store.delete(self.annotation.id)
            _drop_unused(store, self.new_themes)


@dataclass
class Edited(Change):
    before: Annotation
    after: Annotation
    expect_rev: int | None = None  # the revision the user edited: a change elsewhere since is a conflict
    anchor: bool = False  # offsets and quote change too (re-attaching an orphan)
    new_themes: list[str] = field(default_factory=list)  # the themes it created, for the undo to remove
    label = "edit"

    def _fields(self, annotation: Annotation) -> dict[str, Any]:
        record = annotation.to_record()
        keys = ["themes", "note"]
        if self.anchor:
            keys += ["document", "start", "end", "quote", "prefix", "suffix", "status"]
            for optional in ("score", "candidates"):
                record.setdefault(optional, None)
                keys.append(optional)
        return {key: record[key] for key in keys}

    def apply(self, store: Store) -> None:
        with store.batch():
            self.new_themes = _new_themes(store, self.after.themes)
            self.after = store.update(self.after.id, expect_rev=self.expect_rev, **self._fields(self.after))
        self.expect_rev = None  # a redo re-applies whatever is there now

    def revert(self, store: Store) -> None:
        with store.batch():
            self.before = store.update(self.before.id, **self._fields(self.before))
            _drop_unused(store, self.new_themes)


class Resized(Edited):
    """A highlight's extent changed (``anchor``: its offsets, quote and context follow)."""

    label = "extent change"


@dataclass
class Reviewed(Edited):
    """A verdict from the review list: a highlight accepted at a place (its quote and context become the text
    there) or rejected (an orphan); its anchor changes, in one store write."""

    anchor: bool = True
    label = "review"


@dataclass
class Tagged(Change):
    """Many passages tagged at once (the corpus search's ``h``): new highlights, and themes added to highlights
    already on exactly those spans; one store write, one undo."""

    created: list[Annotation]
    edited: list[tuple[Annotation, Annotation]] = field(default_factory=list)  # (before, after)
    new_themes: list[str] = field(default_factory=list)
    label = "tagging"

    def apply(self, store: Store) -> None:
        with store.batch():
            names = [t for a in self.created + [after for _, after in self.edited] for t in a.themes]
            self.new_themes = _new_themes(store, names)
            store.put_many([replace(a, themes=list(a.themes)) for a in self.created])
            self.edited = [(before, store.update(after.id, themes=after.themes)) for before, after in self.edited]

    def revert(self, store: Store) -> None:
        with store.batch():
            for annotation in self.created:
                store.delete(annotation.id)
            for before, _ in self.edited:
                store.update(before.id, themes=before.themes)
            _drop_unused(store, self.new_themes)


@dataclass
class Deleted(Change):
    annotation: Annotation
    label = "delete"

    def apply(self, store: Store) -> None:
        self.annotation = store.delete(self.annotation.id)  # what was stored: the view's copy may be older

    def revert(self, store: Store) -> None:
        store.put(replace(self.annotation, themes=list(self.annotation.themes)))


@dataclass
class ThemesChanged(Change):
    """A rename, merge or delete of themes: undone by restoring the themes and annotations it touched."""

    kind: str  # "rename", "merge" or "delete"
    names: list[str]
    target: str = ""
    before_themes: list[Theme] = field(default_factory=list)
    before_annotations: list[Annotation] = field(default_factory=list)
    created_target: bool = False
    renamed: list[str] = field(default_factory=list)  # a rename's new names: the theme's and its subtree's
    before_memos: dict[MemoKey, str] = field(default_factory=dict)  # theme memos (a rename or merge moves them)

    @property
    def label(self) -> str:  # type: ignore[override]
        return f"theme {self.kind}"

    def apply(self, store: Store) -> None:
        keys = {theme_key(n) for n in self.names} | ({theme_key(self.target)} if self.target else set())
        if self.kind == "rename":  # a parent takes its subtree along
            names = [t.name for t in store.themes()] + [t for a in store.annotations() for t in a.themes]
            renames = subtree_renames(names, self.names[0], self.target)
            self.renamed = list(renames.values()) or [self.target]
            keys |= {theme_key(n) for n in [*renames, *self.renamed]}
        self.before_themes = [t for t in store.themes() if t.key in keys]
        self.created_target = bool(self.target) and theme_key(self.target) not in {t.key for t in self.before_themes}
        self.before_annotations = [a for a in store.annotations() if any(theme_key(t) in keys for t in a.themes)]
        self.before_memos = {k: t for k, t in store.memos().items() if k.kind == "theme"}
        if self.kind == "rename":
            store.rename_theme(self.names[0], self.target)
        elif self.kind == "merge":
            store.merge_themes(self.names, self.target)
        else:
            store.delete_theme(self.names[0])

    def revert(self, store: Store) -> None:
        gone = self.renamed if self.kind == "rename" else [self.target] if self.created_target else []
        had = {t.key for t in self.before_themes}
        with store.batch():
            store.remove_themes([g for g in gone if theme_key(g) not in had])
            store.restore_themes(self.before_themes)
            current = {a.id: a for a in store.annotations()}
            restored = []
            for old in self.before_annotations:
                now = current.get(old.id)
                if now is not None and now.themes != old.themes:  # (by id, most are back with their themes)
                    restored.append(replace(now, themes=list(old.themes), rev=now.rev + 1))
            store.put_many(restored)
            store.replace_memos("theme", self.before_memos)


@dataclass
class MemoEdited(Change):
    """A memo written in the reader: undone by putting the text before back."""

    key: MemoKey
    text: str
    before: str = ""

    @property
    def label(self) -> str:  # type: ignore[override]
        return "memo"

    def apply(self, store: Store) -> None:
        self.before = store.set_memo(self.key, self.text)

    def revert(self, store: Store) -> None:
        store.set_memo(self.key, self.before)


@dataclass
class ThemeEdit(Change):
    """A theme's description or colour. The reader does not record it for ``u`` (it loses nothing: the old text
    or colour is a keystroke away); it can be taken back all the same."""

    name: str
    description: str | None = None
    colour: str | None = None
    before: Theme | None = None
    label = "theme edit"

    def apply(self, store: Store) -> None:
        self.before = store.theme(self.name)
        if self.description is not None:
            store.describe_theme(self.name, self.description)
        if self.colour is not None:
            store.recolour_theme(self.name, self.colour)

    def revert(self, store: Store) -> None:
        if self.before is not None:
            with store.batch():
                store.describe_theme(self.name, self.before.description)
                store.recolour_theme(self.name, self.before.colour)


class History:
    """What was done, for ``u`` and ``ctrl+r``. A new change clears what was undone."""

    def __init__(self, limit: int = 500) -> None:
        self.done: list[Change] = []
        self.undone: list[Change] = []
        self.limit = limit

    def record(self, change: Change) -> None:
        self.done.append(change)
        del self.done[: -self.limit]
        self.undone.clear()

    def undo(self, store: Store) -> Change | None:
        return self._step(store, self.done, self.undone, "revert")

    def redo(self, store: Store) -> Change | None:
        return self._step(store, self.undone, self.done, "apply")

    @staticmethod
    def _step(store: Store, source: list[Change], target: list[Change], method: str) -> Change | None:
        """Apply or revert the newest change of ``source``; it moves to ``target`` only once the store took it."""
        if not source:
            return None
        change = source[-1]
        getattr(change, method)(store)
        target.append(source.pop())
        return change
