"""Agreement between coders (issue 16): the statistics against published worked examples, the unit counting
against hand computations, and ``marginalia agree``."""

from __future__ import annotations

import json
from itertools import pairwise
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tui.agreement import (
    alpha_2x2,
    cohen_kappa,
    compare,
    intersect,
    krippendorff_nominal,
    merge,
    percent_agreement,
    segments,
    subtract,
)
from tui.document import Document
from tui.model import new_annotation

N = None


def test_krippendorff_alpha_matches_krippendorffs_own_example() -> None:
    """Krippendorff (2011), "Computing Krippendorff's Alpha-Reliability", section C: four observers, twelve
    units, nominal values with missing data; alpha = 0.743."""
    observers = [
        [1, 2, 3, 3, 2, 1, 4, 1, 2, N, N, N],
        [1, 2, 3, 3, 2, 2, 4, 1, 2, 5, N, 3],
        [N, 3, 3, 3, 2, 3, 4, 2, 2, 5, 1, N],
        [1, 2, 3, 3, 2, 4, 4, 1, 2, 5, 1, N],
    ]
    assert krippendorff_nominal(zip(*observers)) == pytest.approx(0.743, abs=5e-4)


def test_krippendorff_alpha_matches_the_wikipedia_example() -> None:
    """Wikipedia, "Krippendorff's alpha": three coders, fifteen units; nominal alpha = 0.691."""
    coders = [
        [N, N, N, N, N, 3, 4, 1, 2, 1, 1, 3, 3, N, 3],
        [1, N, 2, 1, 3, 3, 4, 3, N, N, N, N, N, N, N],
        [N, N, 2, 1, 3, 4, 4, N, 2, 1, 1, 3, 3, N, 4],
    ]
    assert krippendorff_nominal(zip(*coders)) == pytest.approx(0.691, abs=5e-4)


def test_cohen_kappa_matches_the_textbook_table() -> None:
    """Fifty grant proposals read by two readers: 20 both yes, 5 only A, 10 only B, 15 both no; po = 0.70,
    pe = 0.50, kappa = 0.40 (the worked example in Wikipedia's "Cohen's kappa")."""
    assert percent_agreement(20, 5, 10, 15) == pytest.approx(0.70)
    assert cohen_kappa(20, 5, 10, 15) == pytest.approx(0.40)


def test_undefined_statistics_are_none() -> None:
    assert cohen_kappa(0, 0, 0, 10) is None and alpha_2x2(0, 0, 0, 10) is None
    assert percent_agreement(0, 0, 0, 10) == 1.0
    assert percent_agreement(0, 0, 0, 0) is None


@given(st.tuples(*[st.integers(0, 40)] * 4))
def test_the_2x2_alpha_is_the_general_alpha(table: tuple[int, int, int, int]) -> None:
    both, only_a, only_b, neither = table
    rows = [(1, 1)] * both + [(1, 0)] * only_a + [(0, 1)] * only_b + [(0, 0)] * neither
    general = krippendorff_nominal(rows)
    shortcut = alpha_2x2(*table)
    assert (general is None) == (shortcut is None)
    if general is not None and shortcut is not None:
        assert shortcut == pytest.approx(general)


spans = st.lists(st.tuples(st.integers(0, 60), st.integers(0, 60)), max_size=8)


@given(spans, spans)
def test_span_arithmetic_is_set_arithmetic(a: list[tuple[int, int]], b: list[tuple[int, int]]) -> None:
    def chars(merged: list[tuple[int, int]]) -> set[int]:
        return {i for s, e in merged for i in range(s, e)}

    ma, mb = merge(a), merge(b)
    assert chars(ma) == {i for s, e in a for i in range(s, e)}
    assert all(x[1] < y[0] for x, y in pairwise(ma))  # disjoint, not touching, sorted
    assert chars(intersect(ma, mb)) == chars(ma) & chars(mb)
    assert chars(subtract(ma, mb)) == chars(ma) - chars(mb)


TEXT = "One cat sat. Two dogs ran!\n\nA bird sang? Fish swim.\n"
DOC = Document(Path("/docs/animals.txt"), TEXT)


def coded(coder: str, quote: str, theme: str = "animals") -> object:
    start = TEXT.index(quote)
    return new_annotation(DOC, start, start + len(quote), [theme], coder=coder)


def test_sentences_and_paragraphs() -> None:
    assert [TEXT[s:e] for s, e in segments(TEXT, "sentence")] == ["One cat sat.", "Two dogs ran!", "A bird sang?",
                                                                    "Fish swim."]  # fmt: skip
    assert [TEXT[s:e] for s, e in segments(TEXT, "paragraph")] == [
        "One cat sat. Two dogs ran!",
        "A bird sang? Fish swim.",
    ]


def test_agreement_by_character_and_by_sentence_against_a_hand_count() -> None:
    annotations = [coded("ana", "cat sat"), coded("ana", "bird"), coded("bo", "cat"), coded("bo", "Fish swim")]
    by_char = compare(annotations, {DOC.key: DOC}, "ana", "bo")  # type: ignore[arg-type]
    [theme] = by_char.themes
    # ana: "cat sat" (7) + "bird" (4) = 11; bo: "cat" (3) + "Fish swim" (9) = 12; both: "cat" = 3
    assert theme.table == (3, 8, 9, len(TEXT) - 3 - 8 - 9)
    assert [(d.quote, d.coded_by) for d in theme.disagreements] == [(" sat", "ana"), ("bird", "ana"),
                                                                    ("Fish swim", "bo")]  # fmt: skip
    by_sentence = compare(annotations, {DOC.key: DOC}, "ana", "bo", unit="sentence")  # type: ignore[arg-type]
    [theme] = by_sentence.themes
    # sentence 1: both; 2: neither; 3: ana only; 4: bo only
    assert theme.table == (1, 1, 1, 1)
    assert theme.percent == 0.5 and theme.kappa == pytest.approx(0.0)
    assert theme.alpha == pytest.approx(1 - 7 * 2 / (4 * 4))


def test_cli_agree(cli, tmp_path: Path) -> None:
    doc = tmp_path / "animals.txt"
    doc.write_text(TEXT, encoding="utf-8")
    store = ["--store", str(tmp_path / "s.json")]
    cli("tag", doc, "--match", "cat sat", "--theme", "animals", "--coder", "ana", *store)
    cli("tag", doc, "--match", "cat", "--theme", "animals", "--coder", "bo", *store)
    cli("tag", doc, "--match", "Fish swim", "--theme", "animals", "--coder", "bo", *store)
    out = json.loads(cli("agree", "--coder", "ana", "--coder", "bo", "--unit", "sentence", "--format", "json",
                         *store).out)  # fmt: skip
    [theme] = out["themes"]
    assert (theme["both"], theme["only_a"], theme["only_b"], theme["neither"]) == (1, 0, 1, 2)
    assert [d["quote"] for d in theme["disagreements"]] == ["Fish swim."]
    table = cli("agree", "--coder", "ana", "--coder", "bo", *store).out
    assert "animals" in table and "KAPPA" in table and "only bo: Fish swim" in table
    assert cli("agree", "--coder", "ana", "--coder", "ANA", *store).code == 1
    missing = cli("agree", "--coder", "ana", "--coder", "cy", *store)
    assert (missing.code, missing.err) == (1, "marginalia: error: no annotations by coder 'cy'\n")
    assert cli("agree", "--coder", "ana", "--coder", "bo", "--theme", "nope", *store).code == 1
