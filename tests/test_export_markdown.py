"""The Markdown export: a CommonMark parser (markdown-it-py) gives back every passage and note exactly, with no
markup, over arbitrary text; sections, citations and order; the ``export`` command and its files."""

from __future__ import annotations

import re
import shutil
from dataclasses import replace
from datetime import date
from pathlib import Path

import pytest
from conftest import ASMOLOV, PROMA, readme_example
from hypothesis import example, given, settings
from hypothesis import strategies as st
from markdown_it import MarkdownIt
from markdown_it.token import Token

from tui.document import load_document
from tui.export import (
    ExportError,
    citation,
    markdown_blockquote,
    markdown_code,
    markdown_inline,
    markdown_text,
    render_markdown,
    render_store,
    visible,
    write_export,
)
from tui.model import Annotation, DocumentRef, Theme, new_annotation, theme_key
from tui.store import Store
from tui.text import safe_line

COMMONMARK = MarkdownIt("commonmark")
DAY = date(2024, 5, 17)

# Everything that could turn into markup, at the start, middle and end of lines, plus whitespace of all kinds.
MARKUP = st.lists(
    st.sampled_from(
        list("#>*_`[]()<>|!&\\~=+-.:;'\"$ \t\n")
        + [
            "1.",
            "2)",
            "<b>",
            "</b>",
            "&amp;",
            "&#32;",
            "```",
            "~~~",
            "---",
            "***",
            "    ",
            "\n\n",
            "\u3000",
            "\xa0",
            "\u2028",
            "\u00e9",
            "\U0001f600",
            "a",
            "b",
        ]
    ),
    min_size=1,
    max_size=40,
).map("".join)
ANY_TEXT = st.one_of(MARKUP, st.text(min_size=1), st.text(st.characters(codec="utf-8"), min_size=1))


# -- reading an export back with a CommonMark parser -------------------------------------------------------------
class Markup(AssertionError):
    """The parser found markup where there should be plain text."""


def _inline_text(token: Token, emphasis: bool = False) -> str:
    """The text of an inline token; with ``emphasis`` (a citation's title) emphasis is allowed, shown as ``*``."""
    parts = []
    for child in token.children or []:
        if child.type == "text":
            parts.append(child.content)
        elif child.type == "hardbreak":
            parts.append("\n")
        elif emphasis and child.type in ("em_open", "em_close"):
            parts.append("*")
        else:
            raise Markup(f"{child.type} in {token.content!r}")
    return "".join(parts)


def _paragraphs(tokens: list[Token]) -> str:
    """Tokens that must be nothing but paragraphs; their texts joined by a blank line."""
    texts = []
    for index in range(0, len(tokens), 3):
        kinds = [t.type for t in tokens[index : index + 3]]
        if kinds != ["paragraph_open", "inline", "paragraph_close"]:
            raise Markup(f"not a paragraph: {kinds}")
        texts.append(_inline_text(tokens[index + 1]))
    return "\n\n".join(texts)


def quote_back(markdown: str) -> str:
    tokens = COMMONMARK.parse(markdown)
    if [tokens[0].type, tokens[-1].type] != ["blockquote_open", "blockquote_close"]:
        raise Markup(f"not one blockquote: {[t.type for t in tokens]}")
    return _paragraphs(tokens[1:-1])


def text_back(markdown: str) -> str:
    return _paragraphs(COMMONMARK.parse(markdown))


def _blockquote_end(tokens: list[Token], start: int) -> int:
    depth = 0
    for index in range(start, len(tokens)):
        depth += {"blockquote_open": 1, "blockquote_close": -1}.get(tokens[index].type, 0)
        if depth == 0:
            return index
    raise Markup("unclosed blockquote")


def passages_back(markdown: str) -> list[tuple[str, str, str]]:
    """(passage, citation, note) for every blockquote of an export, in order: a blockquote is a passage, the next
    paragraph its citation, and the paragraphs after that (up to the next blockquote or heading) its note."""
    tokens = COMMONMARK.parse(markdown)
    found: list[list[str]] = []
    current: list[str] | None = None
    index = 0
    while index < len(tokens):
        token = tokens[index]
        if token.type == "blockquote_open":
            end = _blockquote_end(tokens, index)
            current = [_paragraphs(tokens[index + 1 : end])]
            found.append(current)
            index = end + 1
            continue
        if token.type == "heading_open":
            current = None
        elif token.type == "paragraph_open" and token.level == 0 and current is not None:
            current.append(_inline_text(tokens[index + 1], emphasis=len(current) == 1))
        index += 1
    return [(p[0], p[1], "\n\n".join(p[2:])) for p in found]


def headings(markdown: str, level: int) -> list[str]:
    tokens = COMMONMARK.parse(markdown)
    opening = [i for i, t in enumerate(tokens) if t.type == "heading_open" and t.tag == f"h{level}"]
    return [_inline_text(tokens[i + 1]) for i in opening]


# -- the escaping, over arbitrary text ----------------------------------------------------------------------------
def test_a_naive_prefix_is_not_enough():
    """Why the escaping exists: ``> `` in front of a passage turns much of it into markup."""
    for passage in ["# heading", "1. item", "*em*", "a <b>b</b>", "`code`", "[x](y)", "  two spaces"]:
        with pytest.raises((Markup, AssertionError)):
            assert quote_back("> " + passage) == passage
        assert quote_back(markdown_blockquote(passage)) == passage


@settings(max_examples=500)
@given(ANY_TEXT)
@example("# not a heading\n1. not a list\n> not a quote")
@example("  leading and trailing  \n\n\n  spaces \t")
@example("a\n\nb\n\n\n\nc\n")
@example("\n")
@example("*emphasis* _under_ `code` [link](x) <b>bold</b> | table | &amp; \\")
@example("---\n===\n- item\n+ item\n10) item")
def test_every_blockquote_reads_back_as_its_passage(text):
    markdown = markdown_blockquote(text)
    assert quote_back(markdown) == visible(text)


@settings(max_examples=400)
@given(ANY_TEXT)
def test_every_note_reads_back_as_itself(text):
    assert text_back(markdown_text(text)) == visible(text)


@settings(max_examples=300)
@given(ANY_TEXT)
def test_one_line_texts_read_back_in_headings_list_items_and_code(text):
    line = visible(text).replace("\n", " ")
    assert headings(f"## {markdown_inline(text)}", 2) == [line]
    tokens = COMMONMARK.parse(f"- {markdown_inline(text, line_start=True)}")
    assert [t.type for t in tokens][:3] == ["bullet_list_open", "list_item_open", "paragraph_open"]
    assert _inline_text(tokens[3]) == line
    code = [c for c in COMMONMARK.parse(f"File: {markdown_code(text)}")[1].children or [] if c.type == "code_inline"]
    assert len(code) == 1 and code[0].content == safe_line(visible(text))  # a newline in a path shows as ␊


def test_visible_keeps_document_text_and_replaces_what_commonmark_cannot_carry():
    """Document text (already free of control characters) comes back exactly. NUL cannot survive CommonMark, which
    turns it into U+FFFD: the export writes U+FFFD itself. Other control characters, which only a note typed by
    hand can hold, become the placeholders documents show, so an export printed to a terminal is safe."""
    document_text = "Kim’s “visit” — 70th\tanniversary\n\nПривет 中文 \u3000 \U0001f600"
    assert visible(document_text) == document_text
    assert visible("a\0b") == "a\ufffdb"
    assert quote_back(markdown_blockquote("a\0b")) == "a\ufffdb"
    assert visible("\x1b[31mred\x0b\r") == "\u241b[31mred\u240b\u240d"
    assert "\x1b" not in markdown_text("\x1b[2J") and "\0" not in markdown_blockquote("\0")


def test_a_passage_across_paragraphs_keeps_its_paragraph_breaks():
    markdown = markdown_blockquote("First paragraph.\n\nSecond, with a line\nbreak.")
    assert markdown == "> First paragraph.\n>\n> Second, with a line\\\n> break."
    tokens = COMMONMARK.parse(markdown)
    assert [t.type for t in tokens].count("paragraph_open") == 2


def test_prose_stays_readable():
    """Only what could become markup is escaped: commas, stops, quotes and brackets in prose stay as they are."""
    prose = "In July 2023, Russia’s minister (Shoigu) said: “sanctions?” No; it’s 50% - maybe!"
    assert markdown_text(prose) == prose
    assert markdown_text("2023. A year") == "2023\\. A year"
    assert markdown_text("- a dash") == "\\- a dash"


# -- whole exports -------------------------------------------------------------------------------------------------
def _annotation(quote: str, note: str = "", themes: list[str] | None = None, start: int = 0, path: str = "/d.txt",
                title: str = "A document") -> Annotation:  # fmt: skip
    ref = DocumentRef(path, title, "0" * 64)
    return Annotation(ref, start, start + len(quote), quote, themes=themes or [], note=note)


THEME_NAMES = st.text(min_size=1, max_size=12).map(lambda s: " ".join(s.replace(",", " ").split())).filter(bool)


@settings(max_examples=150)
@given(
    st.lists(
        st.tuples(ANY_TEXT, st.one_of(st.just(""), ANY_TEXT), st.lists(THEME_NAMES, max_size=2)), min_size=1, max_size=4
    ),
    ANY_TEXT,
    st.sampled_from(["theme", "document"]),
)
def test_every_passage_and_note_of_an_export_reads_back(items, title, by):
    annotations = [_annotation(q, n, t, start=i * 1000, title=title) for i, (q, n, t) in enumerate(items)]
    names = {theme_key(name): name for _, _, t in items for name in t}
    themes = [Theme(name, "#77AADD") for name in names.values()]
    markdown = render_markdown(annotations, themes, {}, by=by, today=DAY)
    expected = []
    if by == "document":
        expected = [(visible(a.quote), visible(a.note)) for a in annotations]
    else:
        for theme in sorted(themes, key=lambda t: t.key):
            expected += [(visible(a.quote), visible(a.note)) for a in annotations if theme.key in
                         {theme_key(n) for n in a.themes}]  # fmt: skip
        expected += [(visible(a.quote), visible(a.note)) for a in annotations if not a.themes]
    assert [(quote, note) for quote, _, note in passages_back(markdown)] == expected


@pytest.fixture
def seeds(tmp_path: Path) -> tuple[Path, Path]:
    folder = tmp_path / "seeds"
    folder.mkdir()
    shutil.copy(ASMOLOV.parent / ".metadata.json", folder)  # the seeds' authors, titles and dates
    return Path(shutil.copy(ASMOLOV, folder)), Path(shutil.copy(PROMA, folder))


def _span(document, needle: str) -> tuple[int, int]:
    start = document.text.index(needle)
    return start, start + len(needle)


@pytest.fixture
def tagged(store: Store, seeds: tuple[Path, Path]) -> Store:
    asmolov, proma = (load_document(p) for p in seeds)
    across = asmolov.text.index("celebrated, and this year")
    annotations = [
        new_annotation(asmolov, *_span(asmolov, "sanctions"), ["sanctions"], "Asmolov on *sanctions*"),
        new_annotation(asmolov, across, asmolov.text.index("Sergey Shoygu will pay"), ["arms"]),
        new_annotation(proma, *_span(proma, "China"), ["China's role", "sanctions"], "compare\n\nwith Asmolov"),
        new_annotation(proma, *_span(proma, "Kim Jong Un"), []),
    ]
    store.add_many(annotations)
    store.describe_theme("sanctions", "UN sanctions on the DPRK.")
    return store


def test_export_by_theme(tagged: Store):
    markdown = render_store(tagged, today=DAY)
    assert markdown.startswith("# Annotations by theme\n\n2 documents, 4 highlights, 3 themes; exported on 2024-05-17.")
    assert headings(markdown, 2) == ["Contents", "arms", "China's role", "sanctions", "Without a theme"]
    assert "- sanctions (2 highlights)" in markdown
    sanctions = markdown.split("## sanctions")[1].split("## Without")[0]
    assert sanctions.startswith("\n\nUN sanctions on the DPRK.\n\n2 highlights in 2 documents.\n\n### Some comments")
    assert sanctions.index("Some comments") < sanctions.index("Sergei Shoigu")  # documents in path order
    passages = passages_back(markdown)
    assert passages[0][0].startswith("celebrated, and this year") and "\n\n" in passages[0][0]
    assert passages[0][1] == (
        "— Asmolov, *Some comments on the Russian Defense Minister’s visit to North Korea* (2023), paragraphs 4–5, "
        "lines 7–9"
    )
    assert ("sanctions", "Asmolov on *sanctions*") in [(p, n) for p, _, n in passages]
    assert passages[-1][0] == "Kim Jong Un"


def test_export_by_document_tags_passages(tagged: Store):
    markdown = render_store(tagged, by="document", today=DAY)
    assert headings(markdown, 2)[1:] == [load_document(ASMOLOV).title, load_document(PROMA).title]
    china = next(p for p in passages_back(markdown) if p[0] == "China")
    assert re.fullmatch(
        r"— Proma, \*Sergei Shoigu.*\* \(2023\), paragraph \d+, line \d+ · #China's-role #sanctions", china[1]
    )
    assert china[2] == "compare\n\nwith Asmolov"
    assert "File: `" in markdown


def test_export_is_deterministic_but_for_the_date(tagged: Store):
    first = render_store(tagged, today=DAY)
    assert render_store(tagged, today=DAY) == first
    later = render_store(tagged, today=date(2030, 1, 1))
    assert [line for line in first.splitlines() if "2024-05-17" not in line] == [
        line for line in later.splitlines() if "2030-01-01" not in line
    ]


def test_a_missing_document_is_cited_by_title(tagged: Store, seeds: tuple[Path, Path]):
    seeds[1].unlink()
    markdown = render_store(tagged, by="document", today=DAY)
    china = next(p for p in passages_back(markdown) if p[0] == "China")
    assert china[1] == "— Sergei Shoigu’s Visit To North Korea: New Momentum In Russia-North Korea’s Defense " \
                       "Cooperation – OpEd · #China's-role #sanctions"  # fmt: skip
    assert "(missing: cited from the store)" in markdown


def test_citations_of_orphans_and_fuzzy_anchors(seeds: tuple[Path, Path]):
    document = load_document(seeds[1])
    start, end = _span(document, "Kim Jong Un")
    anchored = new_annotation(document, start, end, [])
    assert citation(anchored, document).endswith(", paragraph 2, line 4")
    fuzzy = replace(anchored, quote="Kim Jong-un", status="fuzzy", score=0.9)
    assert citation(fuzzy, document).endswith(", paragraph 2, line 4 (approximate)")
    orphan = replace(anchored, quote="Kim Jong-un", status="orphan")
    assert citation(orphan, document) == document.title + " (not found in the document as it is now)"
    assert citation(anchored, None) == document.title


def test_filters_and_their_errors(tagged: Store, seeds: tuple[Path, Path]):
    only = render_store(tagged, themes=["SANCTIONS"], docs=[str(seeds[1].resolve())], today=DAY)
    assert [p[0] for p in passages_back(only)] == ["China"]
    assert headings(only, 2) == ["Contents", "sanctions"]
    with pytest.raises(Exception, match="no theme named 'nope'"):
        render_store(tagged, themes=["nope"])
    with pytest.raises(ExportError, match="no annotations on this document"):
        render_store(tagged, docs=["/nowhere.txt"])


def test_an_empty_store_exports_an_empty_summary(store: Store):
    assert render_store(store, today=DAY) == (
        "# Annotations by theme\n\n0 documents, 0 highlights, 0 themes; exported on 2024-05-17.\n\n"
        "No highlights to export.\n"
    )


# -- files and the command line ------------------------------------------------------------------------------------
def test_write_export_never_overwrites_without_force(tmp_path: Path):
    folder = tmp_path / "exports"
    folder.mkdir()
    target = folder / "out.md"
    write_export("one\n", target)
    with pytest.raises(ExportError, match="already exists"):
        write_export("two\n", target)
    assert target.read_text() == "one\n"
    write_export("two\n", target, force=True)
    assert target.read_text() == "two\n"
    assert [p.name for p in folder.iterdir()] == ["out.md"]  # no temporary file left behind
    with pytest.raises(ExportError, match="is a folder"):
        write_export("x", folder)
    with pytest.raises(ExportError, match="cannot write"):
        write_export("x", folder / "missing" / "out.md")


def test_export_command(cli, tagged: Store, tmp_path: Path, seeds: tuple[Path, Path]):
    store = str(tagged.path)
    shown = cli("export", "--store", store)
    assert shown.code == 0 and shown.out.startswith("# Annotations by theme") and shown.err == ""
    target = tmp_path / "notes.md"
    assert cli("export", "--store", store, "--by", "document", "-o", target).code == 0
    assert target.read_text(encoding="utf-8").startswith("# Annotations by document")
    refused = cli("export", "--store", store, "-o", target)
    assert refused.code == 1 and refused.err.count("\n") == 1 and "already exists" in refused.err
    assert target.read_text(encoding="utf-8").startswith("# Annotations by document")
    assert cli("export", "--store", store, "-o", target, "--force").code == 0
    assert target.read_text(encoding="utf-8").startswith("# Annotations by theme")
    only = cli("export", "--store", store, "--theme", "arms", "--doc", seeds[0])
    assert [p[0][:10] for p in passages_back(only.out)] == ["celebrated"]
    assert cli("export", "--store", store, "--theme", "nope").code == 1
    assert cli("export", "--store", store, "--by", "colour").code == 2


def test_the_readme_example_is_what_the_export_gives(cli, store_path: Path, monkeypatch: pytest.MonkeyPatch):
    """The README's example: its commands, run on the seeds, give its Markdown (the date line aside)."""
    shown = readme_example(cli, store_path, monkeypatch)
    exported = cli("export", "--store", store_path).out
    date_line = re.compile(r"exported on \d{4}-\d{2}-\d{2}\.")
    assert date_line.sub("DATE", exported) == date_line.sub("DATE", shown)
