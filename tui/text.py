"""Turning bytes into the normalised text every offset counts into.

Order: a BOM decides; else strict UTF-8; else a heuristic choice among common single-byte encodings (our own
scorer: charset-normalizer misnames short Cyrillic and Latin-1 texts); else charset-normalizer for multi-byte
legacy encodings. Then newlines become ``\\n`` and control/bidi characters become visible placeholders one for
one, so no offset moves and nothing reaches a terminal as a control code.

This module is also the ONE place where any string from outside (documents, file names, themes, notes, imported
bodies, paths, error messages) is made safe for a terminal: ``sanitise`` (text blocks), ``safe_line`` (one line:
input values, CLI lines) and ``json_safe`` (JSON output, escaped rather than replaced so the data stays the same).
"""

from __future__ import annotations

import codecs
import re
import unicodedata

BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32-le"),
    (codecs.BOM_UTF32_BE, "utf-32-be"),
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
)

# Tried in this order; ties go to the earlier one (cp1252 is latin-1 with printable 0x80-0x9F).
SINGLE_BYTE = ("cp1252", "cp1251", "koi8_r", "cp1250", "cp1253", "cp1254", "cp1257", "iso8859_15", "latin-1")

BIDI_CONTROLS = frozenset("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069\u200e\u200f\u061c")
C1_PLACEHOLDER = "\ufffd"
BIDI_PLACEHOLDER = "\u21c4"  # ⇄ a visible stand-in: bidi overrides must never reorder the screen
# (an assigned, narrow symbol: U+2433 "␳", used before, is not a character, so fonts show tofu or nothing)


class DecodeError(ValueError):
    """The bytes are not text we can read (binary, or not in the requested encoding)."""


def _placeholder(ch: str) -> str:
    code = ord(ch)
    if code < 0x20:
        return chr(0x2400 + code)  # Control Pictures: ␀ ␁ ... ␟
    if code == 0x7F:
        return "\u2421"  # ␡
    if 0x80 <= code <= 0x9F:
        return C1_PLACEHOLDER
    return BIDI_PLACEHOLDER


def _placeholder_or_fffd(ch: str) -> str:
    return "\ufffd" if "\ud800" <= ch <= "\udfff" else _placeholder(ch)


_BIDI = "".join(sorted(BIDI_CONTROLS))
_UNSAFE = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\ud800-\udfff" + _BIDI + "]")
_UNSAFE_IN_LINE = re.compile("[\x00-\x1f\x7f-\x9f\ud800-\udfff\u2028\u2029" + _BIDI + "]")
_NEWLINES = re.compile("\r\n|[\r\u2028\u2029]")


def sanitise(text: str) -> str:
    """Replace control and bidi characters (and lone surrogates, which no terminal can be sent) one for one by
    visible placeholders; keeps ``\\n`` and ``\\t``, so offsets into the text stay valid."""
    return _UNSAFE.sub(lambda m: _placeholder_or_fffd(m.group()), text)


def safe_line(text: str) -> str:
    """``sanitise`` for one line (an input's value, a line of the command line's output): newlines and tabs
    become placeholders too, still one for one."""
    return _UNSAFE_IN_LINE.sub(
        lambda m: "\u2424" if m.group() in "\u2028\u2029" else _placeholder_or_fffd(m.group()), text
    )


def one_line(text: str) -> str:
    """Runs of whitespace (newlines too) folded to one space, then ``safe_line``: a title, a theme or a passage's
    context shown on one row. Not one for one: for display only, never for offsets."""
    return safe_line(" ".join(text.split()))


def with_ends(text: str, folded: str) -> str:
    """``folded`` (``text`` on one row, its ends stripped) with a space back at either end where ``text`` has
    whitespace: a context beside a match reads as the text does (``sanctions.``, ``UNSC sanctions``)."""
    if not folded:
        return " " if text[:1].isspace() else ""
    return (" " if text[:1].isspace() else "") + folded + (" " if text[-1:].isspace() else "")


# The UTF-8 bytes of what orjson leaves raw inside strings but a terminal would act on: DEL, C1, bidi controls,
# and U+2028/9 (which end lines in JavaScript). Outside strings JSON is ASCII, so replacing bytes is safe.
_JSON_UNSAFE = re.compile(rb"\x7f|\xc2[\x80-\x9f]|\xd8\x9c|\xe2\x80[\x8e\x8f\xa8-\xae]|\xe2\x81[\xa6-\xa9]")


# The same, by lead byte: a search with a literal start runs at memory speed, the alternation above at a tenth of
# it (0.75 s over the 45 MB of ``list --format json`` at 100,000 annotations), so it only runs where one is found.
_JSON_UNSAFE_BY_LEAD = (
    (b"\x7f", re.compile(rb"\x7f")),
    (b"\xc2", re.compile(rb"\xc2[\x80-\x9f]")),
    (b"\xd8", re.compile(rb"\xd8\x9c")),
    (b"\xe2", re.compile(rb"\xe2(?:\x80[\x8e\x8f\xa8-\xae]|\x81[\xa6-\xa9])")),
)


def json_safe(raw: bytes) -> bytes:
    """JSON (UTF-8) with those characters written as ``\\uXXXX`` escapes: still valid JSON, the same data."""
    if not any(byte in raw and lead.search(raw) for byte, lead in _JSON_UNSAFE_BY_LEAD):
        return raw  # (most JSON: each lead byte looked for at memory speed)
    return _JSON_UNSAFE.sub(lambda m: b"\\u%04x" % ord(m.group().decode()), raw)


def normalise(text: str, suspects: frozenset[int] | None = None, at_start: bool = True) -> str:
    """Newlines to ``\\n``, a leading BOM dropped, unsafe characters replaced: the text offsets count into.
    ``suspects``: the bytes of ``_SUSPECT`` its UTF-8 holds, where the caller knows them (``_suspects``): none,
    and the text is returned as it is; carriage returns only, and only they are replaced. Not ``at_start`` (a
    piece of a text after its start): a leading U+FEFF is a character, not a BOM."""
    if suspects is not None and suspects <= {0x0D}:
        return text.replace("\r\n", "\n").replace("\r", "\n") if suspects else text
    if at_start and text.startswith("\ufeff"):
        text = text[1:]
    # str.replace, where one can: a regex on 50 MB takes seconds; each replace, tens of milliseconds
    if "\r" in text:
        text = text.replace("\r\n", "\n").replace("\r", "\n")  # pairs first: as _NEWLINES, left to right
    if not text.isascii():
        text = text.replace("\u2028", "\n").replace("\u2029", "\n")
    return sanitise(text)


# Bytes that start every character ``normalise`` changes, in UTF-8: C0 controls but tab and newline, DEL, and the
# lead bytes of C1 controls (U+0080-U+009F), the Arabic letter mark (U+061C) and U+2000-U+2FFF (bidi controls,
# line and paragraph separators). A leading BOM makes the encoding utf-8-sig, which is never checked this way.
_SUSPECT = bytes([*range(0x09), *range(0x0B, 0x20), 0x7F, 0xC2, 0xD8, 0xE2])
_NOT_SUSPECT = bytes(b for b in range(256) if b not in _SUSPECT)


def _suspects(data: bytes, whole: bool = False) -> frozenset[int]:
    """The bytes of ``data`` (UTF-8) that can start a character ``normalise`` changes. None: the decoded text is
    already normal. One C pass over the bytes (``bytes.translate``), where scanning the text by regex is 20x
    slower; most plain text (ASCII, or CJK without typographic punctuation) has none, or only carriage returns.
    ``whole``: ``data`` is all of the text (no character cut at either end), so a lead byte that only starts
    characters left as they are (a dash, curly quotes, an ellipsis, a no-break space, Arabic letters) is
    dropped: each is looked for at memory speed."""
    found: set[int] = set()
    for start in range(0, len(data), 1 << 20):  # by the MB: translate allocates as much as it is given, first
        found.update(data[start : start + (1 << 20)].translate(None, _NOT_SUSPECT))
    if whole:
        found -= {lead for lead, changed in _CHANGED_AFTER.items() if lead in found and not changed.search(data)}
    return frozenset(found)


# What the lead bytes 0xC2, 0xD8 and 0xE2 start that ``normalise`` changes: C1 controls, the Arabic letter mark,
# bidi controls and the line and paragraph separators (the rest of what they start is ordinary text).
_CHANGED_AFTER = {
    0xC2: re.compile(rb"\xc2[\x80-\x9f]"),
    0xD8: re.compile(rb"\xd8\x9c"),
    0xE2: re.compile(rb"\xe2(?:\x80[\x8e\x8f\xa8-\xae]|\x81[\xa6-\xa9])"),
}


_BINARY_CONTROLS = frozenset(range(0x20)) - {8, 9, 10, 12, 13, 27}  # text uses BS (nroff overstrike), ESC...
_CONTROL_BYTES = bytes(sorted(_BINARY_CONTROLS))


def _mostly_controls(codes: bytes | list[int]) -> bool:
    """More than a tenth of the first 64 KiB are C0 controls (backspace, tab, newlines, form feed, ESC aside)."""
    sample = codes[:65536]
    if isinstance(sample, bytes):  # counted in C: a Python loop over 64 KiB took 6 ms a file
        controls = len(sample) - len(sample.translate(None, _CONTROL_BYTES))
    else:
        controls = sum(1 for c in sample if c in _BINARY_CONTROLS)
    return bool(sample) and controls / len(sample) > 0.1


def looks_binary(data: bytes) -> bool:
    """NUL bytes, or mostly C0 control bytes, in something that is not UTF-16/32."""
    return b"\x00" in data or _mostly_controls(data)


def _utf16_without_bom(data: bytes) -> str | None:
    """BOM-less UTF-16 whose ASCII shows as every other byte NUL; anything less clear is not guessed."""
    if len(data) < 4 or len(data) % 2:
        return None
    even, odd = data[0::2], data[1::2]
    for zeros, name in ((odd, "utf-16-le"), (even, "utf-16-be")):
        if zeros.count(0) / len(zeros) > 0.6:
            try:
                text = data.decode(name)
            except UnicodeDecodeError:
                return None
            # NUL-filled files and arrays of small integers have those zeros too, but decode to controls
            return None if _mostly_controls([ord(c) for c in text[:65536]]) else name
    return None


def _script(ch: str) -> str:
    name = unicodedata.name(ch, "")
    return name.split(" ", 1)[0] if name else ""


_WORD = re.compile(r"[^\W\d_]+")


def plausibility(text: str) -> float:
    """How much decoded text looks like a natural language: words of one script with sane letter case.

    Wrong single-byte guesses produce words such as ``Ïðèâåò`` (all accented Latin), ``пРИВЕТ`` (case flipped),
    ``cafй`` (mixed scripts) or symbols such as ``¤`` and ``³`` inside words.
    """
    score = 0.0
    for word in _WORD.findall(text):
        if word.isascii() or len(word) == 1:
            continue  # a lone letter proves nothing: cp1251 reads cp1252's "€" and "£" as the words "Ђ" and "Ј"
        high = [c for c in word if not c.isascii()]
        scripts = {_script(c) for c in word}
        good = len(scripts) == 1 or (scripts == {"LATIN"})
        if scripts == {"LATIN"} and len(high) == len(word) and len(word) >= 2:
            good = False  # real Latin words are not made of accented letters only
        rest = word[1:]
        if rest and not (rest.islower() or rest.isupper()):
            good = False
        if len(word) >= 2 and word[0].islower() and rest.isupper():
            good = False
        score += len(high) if good else -2 * len(high)
    for ch in text:
        if not ch.isascii() and not ch.isalpha() and not ch.isspace():
            category = unicodedata.category(ch)
            if category in ("Cc", "Co", "Cn") or (category.startswith("S") and ch not in "€£¥©®°±×÷§"):
                score -= 2
    return score


def _best_single_byte(data: bytes) -> str | None:
    best: tuple[float, str] | None = None
    for name in SINGLE_BYTE:
        try:
            text = data.decode(name)
        except UnicodeDecodeError:
            continue
        score = plausibility(text)
        if best is None or score > best[0]:
            best = (score, name)
    if best is None or best[0] < 0:
        return None
    return best[1]


def _charset_normalizer(data: bytes) -> str | None:
    from charset_normalizer import from_bytes  # imported lazily: it is slow to import and rarely needed

    match = from_bytes(data).best()
    return match.encoding if match is not None else None


def detect_encoding(data: bytes) -> str:
    """Name the encoding of ``data`` or raise DecodeError if it looks binary."""
    for bom, bom_encoding in BOMS:
        if data.startswith(bom):
            return bom_encoding
    utf16 = _utf16_without_bom(data) if b"\x00" in data else None
    if utf16:
        return utf16  # checked first: ASCII in UTF-16 is also valid UTF-8, NULs and all
    if _decodes(data, "utf-8") and not _mostly_controls(data):
        return "utf-8"  # (a NUL-filled file is valid UTF-8 too)
    if looks_binary(data):
        raise DecodeError("looks like a binary file")
    name = _best_single_byte(data)
    if name is None and len(data) >= 64:
        name = _charset_normalizer(data)
    if name is None:
        name = "cp1252" if _decodes(data, "cp1252") else "latin-1"
    return name


def _decodes(data: bytes, encoding: str) -> bool:
    try:
        data.decode(encoding)
        return True
    except UnicodeDecodeError:
        return False


def decode(data: bytes, encoding: str | None = None) -> tuple[str, str]:
    """Decode and normalise ``data``; returns (text, encoding used)."""
    raw = None
    if encoding is None:
        raw = _as_utf8(data)
        encoding = "utf-8" if raw is not None else detect_encoding(data)
    else:
        try:
            info = codecs.lookup(encoding)
        except (LookupError, ValueError):  # ValueError: a NUL in the name
            raise DecodeError(f"unknown encoding {encoding!r}") from None
        if not getattr(info, "_is_text_encoding", True):  # base64, rot13, hex, zlib, bz2, uu, quopri...
            raise DecodeError(f"{encoding!r} is not a text encoding")
    if raw is None:
        try:
            raw = data.decode(encoding)
        except UnicodeDecodeError as error:
            raise DecodeError(f"not valid {encoding} at byte {error.start}") from None
        except (LookupError, ValueError, TypeError) as error:  # a codec that is not what its name promised
            raise DecodeError(f"cannot decode as {encoding!r} ({error})") from None
    suspects = _suspects(data, whole=True) if codecs.lookup(encoding).name == "utf-8" else None
    return normalise(raw, suspects), encoding


def _as_utf8(data: bytes) -> str | None:
    """``data`` decoded, if ``detect_encoding`` would call it UTF-8 (decoded once: what it decodes to test is
    kept, so a big file is not decoded twice)."""
    if any(data.startswith(bom) for bom, _ in BOMS) or b"\x00" in data or _mostly_controls(data):
        return None
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        return None


def plain_utf8(head: bytes) -> bool:
    """``decode`` would read a file that starts with ``head`` as UTF-8, if the rest is UTF-8 without NULs too:
    no BOM, no NUL, not mostly control bytes, valid UTF-8 (but for a character cut at its end)."""
    if any(head.startswith(bom) for bom, _ in BOMS) or b"\x00" in head or _mostly_controls(head):
        return False
    try:
        codecs.getincrementaldecoder("utf-8")().decode(head)
    except UnicodeDecodeError:
        return False
    return True


class Utf8Pieces:
    """A UTF-8 file decoded and normalised piece by piece: the pieces joined are what ``decode`` gives for the
    whole (a character cut between pieces is kept for the next, and so is a carriage return at a piece's end:
    it may be half of a CRLF). ``UnicodeDecodeError`` on bytes that are not UTF-8, ``DecodeError`` on a NUL
    (``decode`` would not read the file as UTF-8: the caller decodes the whole instead)."""

    def __init__(self) -> None:
        self._decoder = codecs.getincrementaldecoder("utf-8")("strict")
        self._carry = ""
        self._started = False

    def decode(self, data: bytes, final: bool = False) -> str:
        if b"\x00" in data:
            raise DecodeError("a NUL byte")
        pending = self._decoder.getstate()[0]  # the start of a character cut at the last piece's end
        raw = self._carry + self._decoder.decode(data, final)
        suspects = _suspects(pending) | _suspects(data) | ({0x0D} if self._carry else frozenset())
        self._carry = ""
        if not final and raw.endswith("\r"):
            raw, self._carry = raw[:-1], "\r"
        at_start, self._started = not self._started, True
        return normalise(raw, suspects, at_start)
