"""Counted nouns and text cut to a width in terminal cells."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st
from rich.cells import cell_len

from tui.document import MAX_TITLE, make_title
from tui.wording import cut, plural


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
