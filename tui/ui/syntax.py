"""Pygments token colours for documents Pygments recognises (code, Markdown, JSON ...); plain text stays plain."""

from __future__ import annotations

from collections.abc import Iterator

from pygments.lexers import get_lexer_for_filename
from pygments.lexers.special import TextLexer
from pygments.styles import get_style_by_name
from pygments.util import ClassNotFound
from rich.style import Style

from ..document import Document

MAX_LEXED = 2_000_000  # characters; more is not coloured (its tokens would take 100+ MB, and minutes to lex)


def token_spans(document: Document, dark: bool = True) -> list[tuple[int, int, Style]]:
    """(start, end, style) for each coloured token, in order; empty for plain text."""
    stream = token_stream(document, dark)
    return list(stream) if stream is not None else []


def token_stream(document: Document, dark: bool = True) -> Iterator[tuple[int, int, Style]] | None:
    """``token_spans`` as the lexer makes them, one at a time (a reader lexes what it shows first); None for
    plain text."""
    if len(document.text) > MAX_LEXED:
        return None
    try:
        lexer = get_lexer_for_filename(document.path.name, stripnl=False, ensurenl=False)
    except ClassNotFound:
        return None
    if isinstance(lexer, TextLexer):
        return None
    return _spans(lexer.get_tokens_unprocessed(document.text), get_style_by_name("monokai" if dark else "default"))


def _spans(tokens: Iterator[tuple[int, object, str]], style: type) -> Iterator[tuple[int, int, Style]]:
    cache: dict[object, Style | None] = {}
    for start, token, value in tokens:
        if token not in cache:
            info = style.style_for_token(token)  # type: ignore[attr-defined]
            cache[token] = (
                Style(color=f"#{info['color']}", bold=info["bold"], italic=info["italic"]) if info["color"] else None
            )
        rich_style = cache[token]
        if rich_style is not None and value:
            yield start, start + len(value), rich_style
