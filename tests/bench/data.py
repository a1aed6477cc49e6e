"""Generated benchmark data: a prose document with long paragraphs, a CJK-and-emoji document, and a store of
annotations on the prose document. Deterministic (seeded), so every run measures the same bytes."""

from __future__ import annotations

import random
from pathlib import Path

from tui.document import load_document
from tui.model import PALETTE, new_annotation
from tui.storage import SCHEMA, atomic_write, dump, shard_data, shard_folder, shard_name, split, theme_id

WORDS = [
    "the",
    "of",
    "and",
    "to",
    "in",
    "a",
    "is",
    "that",
    "for",
    "it",
    "as",
    "was",
    "with",
    "be",
    "by",
    "on",
    "not",
    "he",
    "this",
    "are",
    "or",
    "his",
    "from",
    "at",
    "which",
    "but",
    "have",
    "an",
    "they",
    "you",
    "were",
    "her",
    "she",
    "there",
    "been",
    "one",
    "all",
    "we",
    "their",
    "has",
    "would",
    "when",
    "if",
    "so",
    "no",
    "what",
    "up",
    "out",
    "them",
    "about",
    "into",
    "than",
    "more",
    "could",
    "other",
    "some",
    "time",
    "these",
    "two",
    "may",
    "then",
    "do",
    "first",
    "any",
    "my",
    "now",
    "such",
    "like",
    "our",
    "over",
    "man",
    "me",
    "even",
    "most",
    "made",
    "after",
    "also",
    "did",
    "many",
    "before",
    "must",
    "through",
    "back",
    "years",
    "where",
    "much",
    "your",
    "way",
    "well",
    "down",
    "should",
    "because",
    "each",
    "just",
    "those",
    "people",
    "how",
    "too",
    "little",
    "state",
    "good",
    "very",
    "make",
    "world",
    "still",
    "own",
    "see",
    "men",
    "work",
    "long",
    "get",
    "here",
    "between",
    "both",
    "life",
    "being",
    "under",
    "never",
    "day",
    "same",
    "another",
    "know",
    "while",
    "last",
    "might",
    "us",
    "great",
    "old",
    "year",
    "off",
    "come",
    "since",
    "against",
    "go",
    "came",
    "right",
    "used",
    "take",
    "three",
    "sanctions",
    "treaty",
    "ministry",
    "delegation",
    "cooperation",
    "artillery",
    "munitions",
    "parade",
    "negotiation",
    "envoy",
    "border",
    "armistice",
    "alliance",
    "doctrine",
    "deterrence",
    "ambassador",
    "communique",
    "reconnaissance",
    "logistics",
]
PUNCTUATION = (",", ",", ".", ".", ".", ";", ":", "?", "!", " —")

# CJK ideographs, kana, full-width punctuation, emoji (with skin tones, ZWJ families, flags, keycaps, variation
# selectors), a few combining marks and Latin words: every slow path of grapheme measuring.
CJK = "".join(chr(c) for c in range(0x4E00, 0x4E00 + 800))
KANA = "".join(chr(c) for c in range(0x3041, 0x3097))
CJK_PUNCT = "、。「」『』（）！？：；"
EMOJI = [
    "😀", "😂", "🙂", "🚀", "🌏", "🎉", "📚", "✍️", "👍🏽", "👩‍💻", "👨‍👩‍👧‍👦", "🇰🇷", "🇯🇵", "1️⃣", "❤️", "🏳️‍🌈",
]  # fmt: skip
LATIN = ["Shoigu", "Pyongyang", "Kim", "DPRK", "UN", "2023", "café", "naïve", "e\u0301"]

THEMES = [
    "arms cooperation", "sanctions", "China's role", "diplomacy", "history", "military parade", "economy",
    "nuclear programme", "propaganda", "regional security", "Russia-Ukraine war", "humanitarian",
]  # fmt: skip


def prose(size: int, seed: int = 1) -> str:
    """About ``size`` bytes of English-like ASCII prose: paragraphs of 150 to 3,000 words on one line each."""
    rng = random.Random(seed)
    paragraphs, total = [], 0
    while total < size:
        words = rng.choices(WORDS, k=rng.randint(150, 3000))
        out, sentence = [], 0
        for word in words:
            if sentence == 0:
                word = word.capitalize()
            sentence += 1
            if sentence > rng.randint(6, 30):
                word += rng.choice(PUNCTUATION)
                sentence = 0
            out.append(word)
        paragraph = " ".join(out) + "."
        paragraphs.append(paragraph)
        total += len(paragraph) + 2
        if rng.random() < 0.15:
            heading = " ".join(rng.choices(WORDS, k=rng.randint(2, 7))).title()
            paragraphs.append(heading)
            total += len(heading) + 2
    return "\n\n".join(paragraphs) + "\n"


def cjk(size: int, seed: int = 2) -> str:
    """About ``size`` bytes (UTF-8) of CJK text with emoji and some Latin, in long paragraphs."""
    rng = random.Random(seed)
    paragraphs, total = [], 0
    while total < size:
        pieces = []
        for _ in range(rng.randint(60, 1200)):
            roll = rng.random()
            if roll < 0.80:
                pieces.append("".join(rng.choices(CJK if rng.random() < 0.7 else KANA, k=rng.randint(1, 4))))
            elif roll < 0.88:
                pieces.append(rng.choice(CJK_PUNCT))
            elif roll < 0.95:
                pieces.append(rng.choice(EMOJI))
            else:
                pieces.append(" " + rng.choice(LATIN) + " ")
        paragraph = "".join(pieces) + "。"
        paragraphs.append(paragraph)
        total += len(paragraph.encode()) + 2
    return "\n\n".join(paragraphs) + "\n"


def write_documents(folder: Path, size: int) -> tuple[Path, Path]:
    folder.mkdir(parents=True, exist_ok=True)
    prose_path, cjk_path = folder / "prose.txt", folder / "cjk-emoji.txt"
    prose_path.write_text(prose(size), encoding="utf-8")
    cjk_path.write_text(cjk(size), encoding="utf-8")
    return prose_path, cjk_path


def _annotations_on(document_path: Path, count: int, rng: random.Random) -> list[dict]:
    """``count`` annotation records spread through the document: whole words, one to three themes, some notes."""
    document = load_document(document_path)
    text = document.text
    step = max(len(text) // count, 2)
    records = []
    for n in range(count):
        start = text.rfind(" ", 0, n * step + rng.randrange(step)) + 1
        end = text.find(" ", start + rng.randint(10, 250))
        end = len(text) - 1 if end == -1 else end
        if end <= start:
            start, end = n * step, n * step + 1
        themes = rng.sample(THEMES, rng.choice((1, 1, 1, 2, 3)))
        note = "compare with the other article" if rng.random() < 0.2 else ""
        record = new_annotation(document, start, end, themes, note).to_record()
        record["themes"] = [theme_id(t) for t in themes]  # as the store keeps them: by id
        records.append(record)
    return records


def write_store(path: Path, document_path: Path | list[Path], count: int, seed: int = 3) -> int:
    """A store of ``count`` annotations on ``document_path`` (or shared evenly by a list of documents), written
    as the store writes itself. Returns the number of themes."""
    documents = document_path if isinstance(document_path, list) else [document_path]
    rng = random.Random(seed)
    records: list[dict] = []
    for n, document in enumerate(documents):
        share = count // len(documents) + (n < count % len(documents))
        records += _annotations_on(document, share, rng)
    themes = {
        str(n + 1): {"id": theme_id(name), "name": name, "colour": PALETTE[n % len(PALETTE)], "description": ""}
        for n, name in enumerate(THEMES)
    }
    path.parent.mkdir(parents=True, exist_ok=True)
    folder = shard_folder(path)  # the store's own layout: a shard per document, then the codebook
    folder.mkdir(exist_ok=True)
    for document, shard in split({str(n + 1): r for n, r in enumerate(records)}).items():
        atomic_write(folder / shard_name(document), dump(shard_data(document, shard)))
    texts = sorted({(r["document"]["fingerprint"], r["document"]["path"]) for r in records})
    documents = {str(n): {"fingerprint": f, "paths": [p]} for n, (f, p) in enumerate(texts, 1)}
    atomic_write(path, dump({"meta": {"1": {"schema": SCHEMA}}, "themes": themes, "documents": documents}))
    return len(themes)


def write_corpus(folder: Path, documents: int, size: int) -> list[Path]:
    """``documents`` prose files of about ``size`` bytes each, each from its own seed."""
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for n in range(documents):
        path = folder / f"doc-{n:04d}.txt"
        path.write_text(prose(size, seed=1000 + n), encoding="utf-8")
        paths.append(path)
    return paths
