"""The codebook: theme names with ``/`` form a tree (``sanctions/UN`` is a child of ``sanctions``), and a parent
stands for its whole subtree in counts, filters, exports and the compare matrix. Never imports Textual.

A node's key is the theme key of each part joined by ``/`` (``sanctions/un``); a parent that no annotation carries
by its own name still gets a node, so the tree has no gaps.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import lru_cache

from .model import Annotation, Theme, theme_key

SEPARATOR = "/"


@lru_cache(maxsize=8192)
def node_key(name: str) -> str:
    """``"Sanctions / UN"`` -> ``"sanctions/un"``: the key of the codebook node a theme name is."""
    return SEPARATOR.join(theme_key(part) for part in name.split(SEPARATOR) if part.strip())


@lru_cache(maxsize=8192)
def lineage(key: str) -> tuple[str, ...]:
    """A node key and its ancestors' keys, root first: ``"a/b/c"`` -> ``("a", "a/b", "a/b/c")``."""
    parts = key.split(SEPARATOR)
    return tuple(SEPARATOR.join(parts[: n + 1]) for n in range(len(parts)))


def in_subtree(key: str, parent: str) -> bool:
    """True if node ``key`` is ``parent`` or below it."""
    return key == parent or key.startswith(parent + SEPARATOR)


def covering(annotation: Annotation) -> frozenset[str]:
    """Every node an annotation counts under: each of its themes and their ancestors."""
    return _covering(tuple(annotation.themes))


@lru_cache(maxsize=8192)  # a corpus has few combinations of themes, and thousands of passages with each
def _covering(themes: tuple[str, ...]) -> frozenset[str]:
    return frozenset(k for name in themes for k in lineage(node_key(name)))


def matches(annotation: Annotation, parents: Iterable[str]) -> bool:
    """True if the annotation has a theme in the subtree of any of ``parents`` (theme names)."""
    keys = [node_key(p) for p in parents]
    return any(in_subtree(node_key(t), k) for t in annotation.themes for k in keys)


@dataclass
class Node:
    key: str  # "sanctions/un"
    name: str  # the full name as spelt: "sanctions/UN"
    label: str  # the last part: "UN"
    depth: int  # 0 for a root
    theme: Theme | None = None  # None: a parent only its children carry
    children: list[str] = field(default_factory=list)  # child keys, in order

    @property
    def parent(self) -> str | None:
        return self.key.rpartition(SEPARATOR)[0] or None


class Codebook:
    """The tree of themes, in depth-first order with siblings sorted by key."""

    def __init__(self, themes: Iterable[Theme], names: Iterable[str] = ()) -> None:
        self.nodes: dict[str, Node] = {}
        for theme in themes:
            self._add(theme.name, theme)
        for name in names:  # theme names annotations carry that the themes table lacks (a hand-edited store)
            if node_key(name) and node_key(name) not in self.nodes:
                self._add(name, None)
        self.order = [key for root in self.roots for key in self._walk(root)]

    def _add(self, name: str, theme: Theme | None) -> None:
        key = node_key(name)
        if not key:
            return
        parts = [p.strip() for p in name.split(SEPARATOR) if p.strip()]
        for depth, ancestor in enumerate(lineage(key)):
            node = self.nodes.get(ancestor)
            if node is None:
                node = Node(ancestor, SEPARATOR.join(parts[: depth + 1]), parts[depth], depth)
                self.nodes[ancestor] = node
                if depth:
                    self.nodes[lineage(key)[depth - 1]].children.append(ancestor)
            if ancestor == key and theme is not None:  # the theme's own name, as stored (``a//b`` stays so)
                node.theme, node.name, node.label = theme, theme.name, parts[-1]

    @property
    def roots(self) -> list[str]:
        return sorted(k for k, n in self.nodes.items() if n.depth == 0)

    def _walk(self, key: str) -> Iterable[str]:
        yield key
        for child in sorted(self.nodes[key].children):
            yield from self._walk(child)

    def __iter__(self):  # type: ignore[no-untyped-def]
        return (self.nodes[k] for k in self.order)

    def __len__(self) -> int:
        return len(self.order)

    def __contains__(self, key: object) -> bool:
        return key in self.nodes

    def subtree(self, key: str) -> list[str]:
        """``key`` and every node below it, in order."""
        return [k for k in self.order if in_subtree(k, key)]

    def visible(self, folded: set[str]) -> list[Node]:
        """The nodes in order, without those under a folded node."""
        shown = []
        for node in self:
            if not any(a in folded for a in lineage(node.key)[:-1]):
                shown.append(node)
        return shown


def subtree_renames(names: Iterable[str], old: str, new: str) -> dict[str, str]:
    """For a rename of ``old`` to ``new``: every theme name in ``old``'s subtree -> its new name
    (``sanctions/UN`` -> ``measures/UN`` when ``sanctions`` becomes ``measures``)."""
    old_key = node_key(old)
    new_parts = [p.strip() for p in new.split(SEPARATOR) if p.strip()]
    renames = {}
    for name in names:
        key = node_key(name)
        if not in_subtree(key, old_key):
            continue
        if key == old_key:
            renames[name] = new  # as given
            continue
        parts = [p.strip() for p in name.split(SEPARATOR) if p.strip()]
        depth = len(old_key.split(SEPARATOR))
        renames[name] = SEPARATOR.join(new_parts + parts[depth:])
    return renames
