"""Agreement between two coders, theme by theme: percent agreement, Cohen's kappa and Krippendorff's alpha.

Each theme is a yes/no question asked of every unit of every document either coder annotated: did this coder
put this passage under the theme (or a theme below it)? A unit is a character, a sentence or a paragraph; a
sentence or paragraph counts as coded when any of the coder's highlights under the theme touches it. Counting
is by interval arithmetic, so a 5 MB document costs what its highlights cost, not a pass per character.

The statistics, for the 2x2 table of ``both``, ``only_a``, ``only_b``, ``neither`` over ``n`` units:
percent agreement ``(both + neither) / n``; Cohen's kappa ``(po - pe) / (1 - pe)`` with ``pe`` from each coder's
own rate; Krippendorff's alpha (nominal) ``1 - (N - 1) * D / (n_yes * n_no)`` over the ``N = 2n`` pairable
values, ``D`` the disagreeing pairs counted both ways (Krippendorff 2011, "Computing Krippendorff's
Alpha-Reliability"). ``krippendorff_nominal`` is the general form (any coders, missing values), which the
tests check against Krippendorff's own worked example and against the 2x2 shortcut.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Hashable, Iterable, Sequence
from dataclasses import dataclass, field
from itertools import combinations

from .codebook import matches
from .coders import coder_key
from .document import Document
from .model import Annotation
from .sentences import sentences

UNITS = ("character", "sentence", "paragraph")
Span = tuple[int, int]

_PARAGRAPH_BREAK = re.compile(r"\n[ \t]*\n\s*")


# -- the statistics ----------------------------------------------------------------------------------------------------
def percent_agreement(both: int, only_a: int, only_b: int, neither: int) -> float | None:
    n = both + only_a + only_b + neither
    return (both + neither) / n if n else None


def cohen_kappa(both: int, only_a: int, only_b: int, neither: int) -> float | None:
    """Cohen's kappa of a 2x2 table; None where chance agreement is total (both coders said the same of every
    unit: kappa is undefined)."""
    n = both + only_a + only_b + neither
    if not n:
        return None
    observed = (both + neither) / n
    a_yes, b_yes = (both + only_a) / n, (both + only_b) / n
    expected = a_yes * b_yes + (1 - a_yes) * (1 - b_yes)
    if expected >= 1:
        return None
    return (observed - expected) / (1 - expected)


def alpha_2x2(both: int, only_a: int, only_b: int, neither: int) -> float | None:
    """Krippendorff's alpha (nominal) for two coders with no missing values; None where every value is the same
    (no variation: alpha is undefined)."""
    pairs = 2 * (both + only_a + only_b + neither)
    yes = 2 * both + only_a + only_b
    no = 2 * neither + only_a + only_b
    if pairs < 2 or not yes or not no:
        return None
    return 1 - (pairs - 1) * (only_a + only_b) / (yes * no)


def krippendorff_nominal(units: Iterable[Sequence[Hashable | None]]) -> float | None:
    """Krippendorff's alpha for nominal data: ``units`` is one row per unit of the values each coder gave it
    (None: that coder gave none). Units with fewer than two values are not pairable and are left out."""
    coincidences: defaultdict[tuple[Hashable, Hashable], float] = defaultdict(float)
    for row in units:
        values = [v for v in row if v is not None]
        m = len(values)
        if m < 2:
            continue
        for a, b in combinations(values, 2):  # each ordered pair of values from different coders, / (m - 1)
            coincidences[(a, b)] += 1 / (m - 1)
            coincidences[(b, a)] += 1 / (m - 1)
    totals: defaultdict[Hashable, float] = defaultdict(float)
    for (a, _), weight in coincidences.items():
        totals[a] += weight
    n = sum(totals.values())
    if n < 2:
        return None
    observed = sum(w for (a, b), w in coincidences.items() if a != b)
    expected = sum(totals[a] * totals[b] for a in totals for b in totals if a != b) / (n - 1)
    if expected == 0:
        return None
    return 1 - observed / expected


# -- spans -----------------------------------------------------------------------------------------------------------
def merge(spans: Iterable[Span]) -> list[Span]:
    """Sorted, disjoint spans covering what ``spans`` cover (touching ones joined)."""
    out: list[Span] = []
    for start, end in sorted(spans):
        if end <= start:
            continue
        if out and start <= out[-1][1]:
            out[-1] = (out[-1][0], max(out[-1][1], end))
        else:
            out.append((start, end))
    return out


def total(spans: list[Span]) -> int:
    return sum(end - start for start, end in spans)


def intersect(a: list[Span], b: list[Span]) -> list[Span]:
    """The overlap of two merged span lists."""
    out, i, j = [], 0, 0
    while i < len(a) and j < len(b):
        start, end = max(a[i][0], b[j][0]), min(a[i][1], b[j][1])
        if start < end:
            out.append((start, end))
        if a[i][1] < b[j][1]:
            i += 1
        else:
            j += 1
    return out


def subtract(a: list[Span], b: list[Span]) -> list[Span]:
    """What of merged ``a`` merged ``b`` does not cover."""
    out: list[Span] = []
    j = 0
    for start, end in a:
        while j < len(b) and b[j][1] <= start:
            j += 1
        k = j
        while k < len(b) and b[k][0] < end:
            if b[k][0] > start:
                out.append((start, b[k][0]))
            start = max(start, b[k][1])
            k += 1
        if start < end:
            out.append((start, end))
    return out


def segments(text: str, unit: str) -> list[Span]:
    """The sentence or paragraph units of ``text``: spans of non-blank text between breaks (sentences as the
    reader's ``h`` finds them)."""
    if unit == "sentence":
        return sentences(text)
    spans, start = [], 0
    for match in _PARAGRAPH_BREAK.finditer(text):
        spans.append((start, match.start()))
        start = match.end()
    spans.append((start, len(text)))
    out = []
    for s, e in spans:
        chunk = text[s:e]
        stripped = chunk.strip()
        if stripped:
            lead = len(chunk) - len(chunk.lstrip())
            out.append((s + lead, s + lead + len(stripped)))
    return out


def touched(units: list[Span], coded: list[Span]) -> list[bool]:
    """For each unit (sorted, disjoint), whether any span of merged ``coded`` overlaps it."""
    flags, j = [], 0
    for start, end in units:
        while j < len(coded) and coded[j][1] <= start:
            j += 1
        flags.append(j < len(coded) and coded[j][0] < end)
    return flags


# -- the comparison ---------------------------------------------------------------------------------------------------
@dataclass
class Disagreement:
    document: str  # the path, as stored
    title: str
    start: int
    end: int
    coded_by: str  # the coder who put it under the theme (the other did not)
    quote: str


@dataclass
class ThemeAgreement:
    theme: str
    units: int = 0
    both: int = 0
    only_a: int = 0
    only_b: int = 0
    neither: int = 0
    disagreements: list[Disagreement] = field(default_factory=list)

    @property
    def table(self) -> tuple[int, int, int, int]:
        return self.both, self.only_a, self.only_b, self.neither

    @property
    def percent(self) -> float | None:
        return percent_agreement(*self.table)

    @property
    def kappa(self) -> float | None:
        return cohen_kappa(*self.table)

    @property
    def alpha(self) -> float | None:
        return alpha_2x2(*self.table)


@dataclass
class Agreement:
    coders: tuple[str, str]
    unit: str
    documents: list[str]
    themes: list[ThemeAgreement]
    skipped: list[str] = field(default_factory=list)  # documents that could not be read

    def as_json(self) -> dict[str, object]:
        return {
            "coders": list(self.coders),
            "unit": self.unit,
            "documents": self.documents,
            "skipped": self.skipped,
            "themes": [
                {
                    "theme": t.theme, "units": t.units, "both": t.both, "only_a": t.only_a, "only_b": t.only_b,
                    "neither": t.neither, "percent": t.percent, "kappa": t.kappa, "alpha": t.alpha,
                    "disagreements": [vars(d) for d in t.disagreements],
                }
                for t in self.themes
            ],
        }  # fmt: skip


def _coded(annotations: list[Annotation], theme: str) -> list[Span]:
    return merge((a.start, a.end) for a in annotations if a.status != "orphan" and matches(a, [theme]))


def compare(
    annotations: list[Annotation],
    documents: dict[str, Document],
    coder_a: str,
    coder_b: str,
    themes: list[str] | None = None,
    unit: str = "character",
) -> Agreement:
    """Agreement of ``coder_a`` and ``coder_b`` over the documents either annotated (``documents``: path ->
    Document; one missing there is skipped and named), per theme (default: every theme either used)."""
    if unit not in UNITS:
        raise ValueError(f"unknown unit {unit!r} (choose {', '.join(UNITS)})")
    keys = coder_key(coder_a), coder_key(coder_b)
    mine = [x for x in annotations if coder_key(x.coder) in keys]
    paths = sorted({x.document.path for x in mine})
    if themes is None:
        themes = sorted({t for x in mine for t in x.themes}, key=str.casefold)
    by_doc: dict[str, tuple[list[Annotation], list[Annotation]]] = {p: ([], []) for p in paths}
    for x in mine:
        by_doc[x.document.path][0 if coder_key(x.coder) == keys[0] else 1].append(x)
    results = [ThemeAgreement(theme) for theme in themes]
    skipped = [p for p in paths if p not in documents]
    for path in paths:
        document = documents.get(path)
        if document is None:
            continue
        units = None if unit == "character" else segments(document.text, unit)
        for result in results:
            coded_a = _coded(by_doc[path][0], result.theme)
            coded_b = _coded(by_doc[path][1], result.theme)
            if units is None:
                _count_characters(result, document, coded_a, coded_b, (coder_a, coder_b))
            else:
                _count_units(result, document, units, coded_a, coded_b, (coder_a, coder_b))
    return Agreement((coder_a, coder_b), unit, [p for p in paths if p in documents], results, skipped)


def _count_characters(
    result: ThemeAgreement, document: Document, a: list[Span], b: list[Span], names: tuple[str, str]
) -> None:
    size = len(document.text)
    a = [(s, min(e, size)) for s, e in a if s < size]
    b = [(s, min(e, size)) for s, e in b if s < size]
    both = total(intersect(a, b))
    result.units += size
    result.both += both
    result.only_a += total(a) - both
    result.only_b += total(b) - both
    result.neither += size - total(merge(a + b))
    runs = [(s, e, names[0]) for s, e in subtract(a, b)] + [(s, e, names[1]) for s, e in subtract(b, a)]
    for start, end, who in sorted(runs):
        if document.text[start:end].strip():  # a stray space at a highlight's edge is not a disagreement to read
            result.disagreements.append(_disagreement(document, start, end, who))


def _count_units(
    result: ThemeAgreement,
    document: Document,
    units: list[Span],
    a: list[Span],
    b: list[Span],
    names: tuple[str, str],
) -> None:
    for (start, end), in_a, in_b in zip(units, touched(units, a), touched(units, b)):
        result.units += 1
        if in_a and in_b:
            result.both += 1
        elif in_a or in_b:
            if in_a:
                result.only_a += 1
            else:
                result.only_b += 1
            result.disagreements.append(_disagreement(document, start, end, names[0] if in_a else names[1]))
        else:
            result.neither += 1


def _disagreement(document: Document, start: int, end: int, who: str) -> Disagreement:
    return Disagreement(document.key, document.title, start, end, who, document.text[start:end])
