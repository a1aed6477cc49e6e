"""Our sentence rules against ``pysbd`` on the seeds: how many of a careful reader's sentences each finds exactly
(tests/data/sentences/ lists them), and how long each takes. ``pysbd`` is not a dependency:
``pip install pysbd`` first. Run: ``python tests/bench/sentences.py``."""

from __future__ import annotations

import re
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from tui.document import load_document, seed_paths  # noqa: E402
from tui.sentences import sentences  # noqa: E402

PARAGRAPH = re.compile(r"(?:[^\n]|\n(?![ \t]*\n))+")


def ours(text: str) -> list[str]:
    return [text[s:e] for s, e in sentences(text)]


def pysbd_sentences(text: str) -> list[str]:
    import pysbd

    segmenter = pysbd.Segmenter(language="en", clean=False, char_span=True)
    found = []
    for paragraph in PARAGRAPH.finditer(text):
        for span in segmenter.segment(paragraph.group()):
            sentence = span.sent.strip().lstrip("•").strip()  # bullets are no part of a sentence
            if sentence:
                found.append(sentence)
    return found


def score(found: list[str], expected: list[str]) -> tuple[int, int, int]:
    """(exactly right, missed, wrongly found): sentences compared as a multiset."""
    rest = list(expected)
    right = 0
    for sentence in found:
        if sentence in rest:
            rest.remove(sentence)
            right += 1
    return right, len(expected) - right, len(found) - right


def main() -> None:
    for path in seed_paths():
        text = load_document(path).text
        expected = (ROOT / "tests" / "data" / "sentences" / f"{path.stem}.txt").read_text().splitlines()
        for name, segment in (("ours", ours), ("pysbd", pysbd_sentences)):
            began = time.perf_counter()
            for _ in range(5):
                found = segment(text)
            took = (time.perf_counter() - began) / 5 * 1000
            right, missed, wrong = score(found, expected)
            print(f"{path.stem[:24]:24} {name:6} {right:3}/{len(expected)} exact, {missed} missed, "
                  f"{wrong} wrong, {took:6.1f} ms")  # fmt: skip


if __name__ == "__main__":
    main()
