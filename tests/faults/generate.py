"""Hostile inputs, generated from a seed (the same seed gives the same inputs): documents, file names, damaged
stores and import files. Each generator yields (label, value); the runner decides what each must lead to."""

from __future__ import annotations

import json
import random
from collections.abc import Iterator
from typing import Any

# What a terminal acts on: each payload below must never reach one raw. The markers after each sequence let the
# terminal check find a payload's own bytes (Textual writes CSI sequences of its own all the time).
PAYLOADS = {
    "osc52": "\x1b]52;c;SEFDS0VE\x07",  # clipboard write ("HACKED")
    "osc8": "\x1b]8;;http://evil.example/\x1b\\link\x1b]8;;\x1b\\",  # a live link
    "clear": "\x1b[2J\x1b[3J",
    "dcs": "\x1bP1$qm\x1b\\",  # a device control string (DECRQSS)
    "c1csi": "\x9b31m",  # C1 CSI, acts as ESC [ on some terminals
    "c1osc": "\x9d0;evil-title\x9c",
    "bidi": "\u202eevil\u202c\u2066x\u2069",
    "title": "\x1b]0;evil-title\x07",
    "bel": "\x07\x08\x7f\x00",
    "markup": "[link=http://evil.example]x[/link] [@click=app.quit]quit[/] [bold",
}
# Raw bytes that show a payload got through (as the terminal received them, UTF-8).
SIGNATURES = {
    "osc52": b"\x1b]52;",
    "osc8": b"\x1b]8;;http://evil",
    "dcs": b"\x1bP",
    "c1": b"\xc2\x9b",
    "c1osc": b"\xc2\x9d",
    "bidi": "\u202e".encode(),
    "isolate": "\u2066".encode(),
    "title": b"\x1b]0;evil",
}
HOSTILE = "".join(PAYLOADS.values())


def documents(rng: random.Random, count: int) -> Iterator[tuple[str, bytes]]:
    """Document bytes: every payload in prose, bad encodings, binary, odd newlines, long lines."""
    prose = "Alpha beta gamma. Sanctions and more sanctions.\n"
    fixed: list[tuple[str, bytes]] = [
        (f"payload-{name}", (prose + payload + " " + prose).encode()) for name, payload in PAYLOADS.items()
    ]
    fixed += [
        ("all-payloads", ((prose + HOSTILE + "\n") * 3).encode()),
        ("utf16-bom", b"\xff\xfe" + (prose + HOSTILE).encode("utf-16-le")),
        ("utf16-nobom", (prose * 4).encode("utf-16-le")),
        ("cp1252-c1", b"Caf\xe9 \x80\x85\x9b sanctions " * 20),
        ("invalid-utf8", b"Alpha \xff\xfe\xc3( sanctions \xed\xa0\x80\n" * 10),
        ("nul-binary", bytes(range(256)) * 8),
        ("empty", b""),
        ("bom-only", b"\xef\xbb\xbf"),
        ("crlf-cr-ls", b"one\r\ntwo\rthree\xe2\x80\xa8four sanctions\n"),
        ("long-line", b"sanctions " + b"x" * 500_000 + b" sanctions"),
        ("many-lines", b"line\n" * 20_000 + b"sanctions\n"),
        ("combining", ("e\u0301" * 500 + " sanctions \u200d\ufeff\n").encode()),
        ("wide", ("中文字符 sanctions 🎉🎉 " * 200).encode()),
        ("surrogates-escaped", b"\\ud800 sanctions"),
    ]
    yield from fixed
    for n in range(max(0, count - len(fixed))):
        kind = rng.choice(("random-bytes", "mixed", "controls"))
        if kind == "random-bytes":
            data = rng.randbytes(rng.randint(1, 3000))
        elif kind == "controls":
            data = "".join(chr(rng.choice([*range(0x20), 0x7F, *range(0x80, 0xA0), 0x202E, 0x2066]))
                           if rng.random() < 0.3 else rng.choice("abc sanctions ") for _ in range(400)).encode()  # fmt: skip
        else:
            parts = [prose, rng.choice(list(PAYLOADS.values())), rng.choice(["é", "中", "\t", "\n\n", "[b]"])]
            data = "".join(rng.choice(parts) for _ in range(30)).encode()
        yield f"{kind}-{n}", data


def file_names(rng: random.Random) -> Iterator[tuple[str, str]]:
    """File names (one path component) a hostile archive could hold."""
    yield from [
        ("esc", "doc\x1b[2J\x1b]52;c;SEFDS0VE\x07.txt"),
        ("newline", "doc\nwith newline.txt"),
        ("bidi", "doc\u202etxt.exe"),
        ("c1", "doc\x9b31m.txt"),
        ("markup", "[bold]doc[\\bold] [@click=app.quit].txt"),
        ("dash", "-rf.txt"),
        ("long", "d" * 250 + ".txt"),
        ("spaces", "  doc  .txt"),
        ("tab", "doc\tname.txt"),
        ("nonutf8", "doc\udcff\udcfe.txt"),  # bytes 0xFF 0xFE (surrogateescape)
        ("unicode", "доклад 中文 🎉.txt"),
        ("dots", "...txt"),
    ]
    for n in range(3):
        yield f"random-{n}", "".join(rng.choice("ab\x1b\x9b\u202e[]é ") for _ in range(12)) + ".txt"


def _valid_store(rng: random.Random) -> dict[str, Any]:
    annotation = {
        "id": "6f1c7d2e-1111-4222-8333-444455556666", "document": {"path": "/tmp/x.txt", "title": "X",
        "fingerprint": "0" * 64}, "start": 0, "end": 5, "quote": "Alpha", "prefix": "", "suffix": " beta",
        "themes": ["arms"], "note": "", "created": "2026-01-01T00:00:00.000Z", "updated": "2026-01-01T00:00:00.000Z",
        "status": "anchored", "rev": 1, "coder": "",
    }  # fmt: skip
    return {
        "meta": {"1": {"schema": 2}},
        "themes": {"1": {"name": "arms", "colour": "#77AADD", "description": ""}},
        "annotations": {"1": annotation},
    }


def _mutations(rng: random.Random) -> Iterator[tuple[str, Any]]:
    """(label, a function changing a parsed valid store in place)."""
    fields = ["id", "document", "start", "end", "quote", "prefix", "suffix", "themes", "note", "created",
              "updated", "status", "rev", "coder"]  # fmt: skip
    odd = [None, True, 1.5, -1, 10**30, "", [], {}, "x" * 3, [1], {"a": 1}]
    for field in fields:
        for value in rng.sample(odd, 3):
            yield f"annotation-{field}={json.dumps(value)[:12]}", (lambda d, f=field, v=value: d["annotations"]["1"].__setitem__(f, v))  # fmt: skip
        yield f"annotation-no-{field}", (lambda d, f=field: d["annotations"]["1"].pop(f))
    for field in ("name", "colour", "description"):
        for value in rng.sample(odd, 3):
            yield f"theme-{field}={json.dumps(value)[:12]}", (lambda d, f=field, v=value: d["themes"]["1"].__setitem__(f, v))  # fmt: skip
    for table in ("meta", "themes", "annotations"):
        for value in ([], [{"name": "x"}], "x", 1, None):
            yield f"table-{table}={json.dumps(value)[:12]}", (lambda d, t=table, v=value: d.__setitem__(t, v))
    for schema in (True, False, 1.0, 2.0, "2", None, -1, 0.5, [2]):
        yield f"schema={json.dumps(schema)}", (lambda d, s=schema: d["meta"]["1"].__setitem__("schema", s))
    yield "theme-comma", lambda d: d["themes"]["1"].__setitem__("name", "a,b")
    yield "theme-missing", lambda d: d["themes"].clear()
    yield "record-key-0", lambda d: d["annotations"].__setitem__("0", d["annotations"].pop("1"))
    yield "record-key-word", lambda d: d["annotations"].__setitem__("x", d["annotations"].pop("1"))
    yield "span-backwards", lambda d: d["annotations"]["1"].update(start=9, end=2)
    yield "unknown-table", lambda d: d.__setitem__("extra", {})
    yield "duplicate-id", lambda d: d["annotations"].__setitem__("2", dict(d["annotations"]["1"]))
    yield "document-extra", lambda d: d["annotations"]["1"]["document"].__setitem__("x", "y")


def stores(rng: random.Random, count: int) -> Iterator[tuple[str, bytes]]:
    """Damaged store files: each must be refused (exit 1, one line) and left byte-identical."""
    base = json.dumps(_valid_store(rng), indent=2).encode()
    for label, mutate in _mutations(rng):
        data = _valid_store(rng)
        mutate(data)
        yield label, json.dumps(data, indent=2).encode()
    yield "not-json", b"{not json"
    yield "empty", b""
    yield "whitespace", b"  \n\t "
    yield "top-list", b"[]"
    yield "top-string", b'"store"'
    yield "deep-nesting", b"[" * 100_000 + b"]" * 100_000
    yield "duplicate-key", base.replace(b'"meta"', b'"themes": {}, "meta"', 1)
    yield "nan", base.replace(b'"rev": 1', b'"rev": NaN')
    yield "utf16", base.decode().encode("utf-16")
    yield "latin1-bytes", base.replace(b'"Alpha"', b'"Alpha\xe9"')
    yield "nul", base[:40] + b"\x00" + base[40:]
    n = 0
    while n < count:  # truncations and flipped bytes: a damaged disk or a killed editor
        cut = bytearray(base)
        if rng.random() < 0.5:
            cut = cut[: rng.randrange(1, len(base) - 1)]
        else:
            for _ in range(rng.randint(1, 4)):
                cut[rng.randrange(len(cut))] = rng.randrange(256)
        try:
            if json.loads(bytes(cut)) == json.loads(base):
                continue  # a flip inside whitespace, or to the same byte: still the valid store
        except ValueError:
            pass
        n += 1
        yield f"damaged-{n}", bytes(cut)


def imports(rng: random.Random, secret: str, fifo: str) -> Iterator[tuple[str, Any]]:
    """Import files: each is (label, JSON value or raw bytes). ``secret``: a file the user did not choose."""

    def annotation(source: str, selectors: Any, body: Any = None) -> dict[str, Any]:
        item: dict[str, Any] = {"type": "Annotation", "target": {"source": source, "selector": selectors}}
        if body is not None:
            item["body"] = body
        return item

    position = {"type": "TextPositionSelector", "start": 0, "end": 60}
    quote = {"type": "TextQuoteSelector", "exact": "SECRET"}
    for source in (f"file://{secret}", secret, "file:///proc/self/environ", "/proc/self/environ",
                   f"file:///tmp/../{secret.lstrip('/')}", f"file://{fifo}", "file:///dev/zero", "/dev/zero",
                   "file://localhost" + secret, "file:///" + "x" * 5000, "http://evil.example/doc.txt"):  # fmt: skip
        yield f"source-{source[:30]}-position", annotation(source, [position])
        yield f"source-{source[:30]}-quote", annotation(source, [quote, position])
    hostile_body = [{"type": "TextualBody", "purpose": "tagging", "value": HOSTILE[:200].replace(",", "")},
                    {"type": "TextualBody", "purpose": "commenting", "value": HOSTILE}]  # fmt: skip
    yield "hostile-bodies", annotation("file:///nowhere/a.txt", [{"type": "TextQuoteSelector", "exact": HOSTILE}],
                                       hostile_body)  # fmt: skip
    yield "huge-quote", annotation("file:///x.txt", [{"type": "TextQuoteSelector", "exact": "q" * 2_000_000}])
    yield "many-tags", annotation("file:///x.txt", [quote],
                                  [{"type": "TextualBody", "purpose": "tagging", "value": f"t{i}"} for i in range(5000)])  # fmt: skip
    yield "comma-tag", annotation("file:///x.txt", [quote], [{"purpose": "tagging", "value": "a,b"}])
    yield "bad-position", annotation("file:///x.txt", [{"type": "TextPositionSelector", "start": -1, "end": True}])
    yield "backwards", annotation("file:///x.txt", [{"type": "TextPositionSelector", "start": 9, "end": 2}])
    yield (
        "huge-position",
        annotation("file:///x.txt", [{"type": "TextPositionSelector", "start": 10**30, "end": 10**31}]),
    )
    yield "bad-date", {**annotation("file:///x.txt", [quote]), "created": "yesterday"}
    yield "bad-id", {**annotation("file:///x.txt", [quote]), "id": "urn:uuid:nope"}
    yield (
        "twice-the-id",
        [{**annotation("file:///x.txt", [quote]), "id": "urn:uuid:6f1c7d2e-1111-4222-8333-444455556666"}] * 2,
    )
    yield "linked-pages", {"type": "AnnotationCollection", "first": "http://evil.example/page1"}
    yield "no-target", {"type": "Annotation"}
    yield "top-number", 42
    yield "deep", b"[" * 50_000 + b"]" * 50_000
    yield "not-json", b"\x00\x01garbage"
    yield "themes-hostile", {"type": "AnnotationCollection", "mg:themes": [{"mg:name": HOSTILE[:50].replace(",", ""),
                             "mg:colour": "#12345G", "mg:description": HOSTILE}], "first": {"items": []}}  # fmt: skip
    for n in range(10):  # random structure
        yield f"random-{n}", _random_json(rng, 4)


def _random_json(rng: random.Random, depth: int) -> Any:
    if depth == 0 or rng.random() < 0.3:
        return rng.choice([None, True, 0, -5, 1.5, "", "x", HOSTILE[:20], "file:///etc/passwd", 10**20])
    if rng.random() < 0.5:
        return [_random_json(rng, depth - 1) for _ in range(rng.randint(0, 3))]
    keys = ["type", "target", "source", "selector", "body", "items", "first", "exact", "start", "end", "value"]
    return {rng.choice(keys): _random_json(rng, depth - 1) for _ in range(rng.randint(0, 4))}
