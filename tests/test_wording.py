"""Counted nouns and text cut to a width in terminal cells."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st
from rich.cells import cell_len, split_graphemes

from tui.document import MAX_TITLE, make_title
from tui.wording import cut, fit, noun_for, plural


def test_plural() -> None:
    assert [plural(n, "theme") for n in (0, 1, 2)] == ["0 themes", "1 theme", "2 themes"]


def test_cut_leaves_text_that_fits() -> None:
    assert cut("abc", 3) == "abc"
    assert cut("日本", 4) == "日本"


def test_cut_counts_cells_not_characters() -> None:
    assert cut("abcdef", 4) == "abc…"
    assert cut("日本語のテキスト", 7) == "日本語…"  # 6 cells and the ellipsis
    assert cut("日本語のテキスト", 6) == "日本…"  # a wide character that would straddle the edge goes


def test_cut_keeps_a_grapheme_whole() -> None:
    family = "👨\u200d👩\u200d👧"
    assert cut(family + " and more", 3) == family + "…"  # the family is one grapheme of two cells
    assert cut("e\u0301te\u0301 long", 4) == "e\u0301te\u0301…"  # combining accents take no cell


@given(st.text(), st.integers(min_value=1, max_value=40))
def test_cut_never_overflows(text: str, width: int) -> None:
    result = cut(text, width)
    assert cell_len(result) <= width
    assert result == text or (result.endswith("…") and text.startswith(result[:-1]))


def test_a_wide_title_is_cut_by_cells(tmp_path) -> None:
    title = make_title("北朝鮮" * 60, tmp_path / "x.txt")
    assert cell_len(title) <= MAX_TITLE < len("北朝鮮" * 60)


def test_plural_with_another_ending_and_thousands() -> None:
    assert [plural(n, "match", "matches") for n in (0, 1, 2)] == ["0 matches", "1 match", "2 matches"]
    assert plural(12400, "match", "matches", thousands=True) == "12,400 matches"
    assert plural(1, "imported as orphan") == "1 imported as orphan"
    assert (noun_for(1, "document"), noun_for(3, "document")) == ("document", "documents")


def test_cut_can_keep_the_end() -> None:
    assert cut("abcdef", 4, keep_end=True) == "…def"
    assert cut("日本語のテキスト", 7, keep_end=True) == "…キスト"
    assert cut("abc", 3, keep_end=True) == "abc"


def test_fit_takes_whole_characters_from_either_end_without_an_ellipsis() -> None:
    assert fit("日本語のテキスト", 5) == "日本"  # a third wide character would straddle the edge
    assert fit("日本語のテキスト", 5, from_end=True) == "スト"
    assert fit("abc", 5) == "abc" and fit("", 2) == ""
    long = "x" * 10_000_000
    assert fit(long, 10, from_end=True) == "x" * 10 and cut(long, 10, keep_end=True) == "…" + "x" * 9


@settings(derandomize=True, deadline=None)
@given(st.text(max_size=40), st.integers(0, 30), st.booleans())
def test_fit_and_cut_never_pass_the_width(text: str, width: int, from_end: bool) -> None:
    kept = fit(text, width, from_end)
    assert cell_len(kept) <= width
    assert text.endswith(kept) if from_end else text.startswith(kept)
    assert cell_len(cut(text, width, keep_end=from_end)) <= max(width, 1) or cell_len(text) <= width


def _fit_by_graphemes(text: str, width: int, from_end: bool) -> str:
    """``fit`` as it was before its one-cell-a-character shortcut: grapheme by grapheme."""
    if cell_len(text) <= width:
        return text
    spans, _ = split_graphemes(text)
    used = 0
    for start, end, cells in reversed(spans) if from_end else spans:
        if used + cells > width:
            return text[end:] if from_end else text[:start]
        used += cells
    return text


@settings(derandomize=True, deadline=None)
@given(
    st.text(alphabet=st.sampled_from("ab —é\u0301\u200d\ufe0f日😀\x1b\t"), max_size=60),
    st.integers(0, 30),
    st.booleans(),
)
def test_fit_is_the_same_with_or_without_its_shortcut(text: str, width: int, from_end: bool) -> None:
    """Text of one-cell characters is cut by counting characters; anything wide, zero-width or joining is cut
    grapheme by grapheme, with the same result."""
    assert fit(text, width, from_end) == _fit_by_graphemes(text, width, from_end)
    assert fit("a—" * 40, 7) == "a—a—a—a" and fit("é" * 30, 4, from_end=True) == "éééé"
