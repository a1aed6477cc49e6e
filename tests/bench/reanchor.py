"""Benchmark: re-anchoring 1,000 annotations after edits to a 1 MB document (the target is under 2 s).

``python tests/bench/reanchor.py [SIZE ANNOTATIONS EDITS]`` prints ``measure()``'s result as JSON. The document is
``data.prose`` (a small vocabulary, so quotes and their pieces repeat a lot: a hard case for the search). Edits
are spread through it, from the end backwards so each is placed in the original text: insert a sentence, delete a
run of words, or replace a word; some fall inside annotated spans. ``seconds`` is ``library.reconcile`` (match,
re-anchor, one store write); ``anchoring_seconds`` is re-anchoring alone. The result also checks the promises:
nothing dropped, every untouched annotation ``anchored``/``moved`` on its quote, fuzzy ones similar enough.
"""

from __future__ import annotations

import json
import random
import sys
import tempfile
import time
from bisect import bisect_left
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from data import WORDS, prose

from tui.anchoring import MIN_SIMILARITY, reanchor, similarity
from tui.document import load_document
from tui.library import reconcile
from tui.model import new_annotation
from tui.store import Store


def word_spans(text: str) -> list[tuple[int, int]]:
    spans, start = [], None
    for i, ch in enumerate(text):
        if ch.isalpha() and start is None:
            start = i
        elif not ch.isalpha() and start is not None:
            spans.append((start, i))
            start = None
    return spans


def pick_spans(words: list[tuple[int, int]], count: int, rng: random.Random) -> list[tuple[int, int]]:
    """``count`` non-overlapping spans of one to eight whole words, spread through the text."""
    step = max(len(words) // count, 9)
    spans = []
    for first in range(0, len(words) - 8, step):
        if len(spans) == count:
            break
        start = first + rng.randrange(max(step - 8, 1))
        spans.append((words[start][0], words[min(start + rng.randint(0, 7), len(words) - 1)][1]))
    return spans


def make_edits(
    words: list[tuple[int, int]], spans: list[tuple[int, int]], count: int, rng: random.Random
) -> list[tuple[int, int, str]]:
    """(start, end, replacement) in the original text, apart from each other, last first. A third of them fall
    inside annotated spans (a word replaced or inserted, or the whole span deleted)."""
    starts = [w[0] for w in words]
    edits: list[tuple[int, int, str]] = []
    while len(edits) < count:
        if rng.random() < 1 / 3:
            lo, hi = rng.choice(spans)
            inside = words[bisect_left(starts, lo) : bisect_left(starts, hi)]
            word = rng.choice(inside)
            kind = rng.random()
            if kind < 0.4:
                edit = (word[0], word[1], rng.choice(WORDS))
            elif kind < 0.7 and word[0] > lo:
                edit = (word[0], word[0], rng.choice(WORDS) + " ")
            else:
                edit = (lo, hi, "")
        else:
            i = rng.randrange(len(words) - 40)
            kind = rng.random()
            if kind < 0.4:
                sentence = " ".join(rng.choices(WORDS, k=rng.randint(3, 15))).capitalize() + ". "
                edit = (words[i][0], words[i][0], sentence)
            elif kind < 0.7:
                edit = (words[i][0], words[i + rng.randint(0, 30)][1], "")
            else:
                edit = (words[i][0], words[i][1], rng.choice(WORDS))
        if all(edit[1] + 100 < s or e + 100 < edit[0] for s, e, _ in edits):
            edits.append(edit)
    return sorted(edits, reverse=True)


def measure(size: int = 1_000_000, annotations: int = 1000, edits: int = 300, seed: int = 7) -> dict:
    rng = random.Random(seed)
    text = prose(size, seed)
    words = word_spans(text)
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "document.txt"
        path.write_text(text, encoding="utf-8")
        document = load_document(path)
        store = Store(Path(folder) / "annotations.json")
        made = [new_annotation(document, s, e, ["bench"]) for s, e in pick_spans(words, annotations, rng)]
        store.add_many(made)
        changes = make_edits(words, [(a.start, a.end) for a in made], edits, rng)
        edited = text
        for start, end, replacement in changes:
            edited = edited[:start] + replacement + edited[end:]
        path.write_text(edited, encoding="utf-8")
        document = load_document(path)

        started = time.perf_counter()
        reanchor(store.annotations(), document)
        anchoring = time.perf_counter() - started
        started, cpu = time.perf_counter(), time.process_time()
        report = reconcile(store, [document])
        seconds, cpu = time.perf_counter() - started, time.process_time() - cpu
        after = {a.id: a for a in store.annotations()}

    touched = {a.id for a in made if any((s < a.end and a.start < e) or a.start < s < a.end for s, e, _ in changes)}
    wrong = 0
    for a in after.values():
        here = document.text[a.start : a.end]
        if a.status in ("anchored", "moved"):
            wrong += here != a.quote
        elif a.status == "fuzzy":
            wrong += similarity(here, a.quote) < MIN_SIMILARITY
        if a.id not in touched:
            wrong += a.status not in ("anchored", "moved")
    return {
        "size": len(edited),
        "annotations": len(made),
        "edits": len(changes),
        "touched": len(touched),
        "seconds": round(seconds, 3),
        "cpu_seconds": round(cpu, 3),  # the process's own CPU: on a shared machine, wall time is mostly waiting
        "anchoring_seconds": round(anchoring, 3),
        "statuses": dict(sorted(Counter(a.status for a in after.values()).items())),
        "saved": len(report.saved),
        "dropped": len(made) - len(after),
        "wrong": wrong,
    }


if __name__ == "__main__":
    print(json.dumps(measure(*map(int, sys.argv[1:4])), indent=2))
