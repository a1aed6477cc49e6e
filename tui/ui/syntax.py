"""Pygments token colours for documents Pygments recognises (code, Markdown, JSON ...); plain text stays plain."""

from __future__ import annotations

from pygments.lexers import get_lexer_for_filename
from pygments.lexers.special import TextLexer
from pygments.styles import get_style_by_name
from pygments.util import ClassNotFound
from rich.style import Style

from ..document import Document

MAX_LEXED = 2_000_000  # characters; lexing more would hold up opening the document


def token_spans(document: Document, dark: bool = True) -> list[tuple[int, int, Style]]:
    """(start, end, style) for each coloured token, in order; empty for plain text."""
    if len(document.text) > MAX_LEXED:
        return []
    try:
        lexer = get_lexer_for_filename(document.path.name, stripnl=False, ensurenl=False)
    except ClassNotFound:
        return []
    if isinstance(lexer, TextLexer):
        return []
    style = get_style_by_name("monokai" if dark else "default")
    cache: dict[object, Style | None] = {}
    spans = []
    for start, token, value in lexer.get_tokens_unprocessed(document.text):
        if token not in cache:
            info = style.style_for_token(token)
            cache[token] = (
                Style(color=f"#{info['color']}", bold=info["bold"], italic=info["italic"]) if info["color"] else None
            )
        rich_style = cache[token]
        if rich_style is not None and value:
            spans.append((start, start + len(value), rich_style))
    return spans
