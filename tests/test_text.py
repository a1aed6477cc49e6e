"""Bytes to normalised text: BOMs, strict UTF-8, single-byte detection, newlines, control and bidi placeholders."""

from __future__ import annotations

import codecs
import re
import struct
import unicodedata

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tui.text import (
    BIDI_CONTROLS,
    DecodeError,
    decode,
    detect_encoding,
    normalise,
    one_line,
    safe_line,
    sanitise,
    with_ends,
)

RUSSIAN_SHORT = "Привет, мир!"
RUSSIAN_LONG = (
    "Министр обороны России Сергей Шойгу прибыл в Пхеньян с официальным визитом. Это первый визит "
    "министра обороны России в КНДР со времён распада Советского Союза. Ещё вчера никто не ждал «сюрпризов» — "
    "но переговоры, по словам экспертов, касались поставок боеприпасов.\n"
) * 4
FRENCH_SHORT = "café"
FRENCH_LONG = (
    "Le ministre russe de la Défense est arrivé à Pyongyang pour une visite qui a été très remarquée. "
    "Où est-il allé ensuite? Ça, c'était le début d'une coopération militaire élargie.\n"
) * 4


# -- which encoding --------------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "bom_encoding, expected",
    [("utf-8-sig", "utf-8-sig"), ("utf-16-le", "utf-16-le"), ("utf-16-be", "utf-16-be"),
     ("utf-32-le", "utf-32-le"), ("utf-32-be", "utf-32-be")],
)  # fmt: skip
def test_a_bom_decides_the_encoding_and_is_dropped(bom_encoding: str, expected: str) -> None:
    bom = {"utf-8-sig": b"", "utf-16-le": codecs.BOM_UTF16_LE, "utf-16-be": codecs.BOM_UTF16_BE,
           "utf-32-le": codecs.BOM_UTF32_LE, "utf-32-be": codecs.BOM_UTF32_BE}[bom_encoding]  # fmt: skip
    data = bom + f"{RUSSIAN_SHORT}\r\ncafé ☃".encode(bom_encoding)
    assert decode(data) == (f"{RUSSIAN_SHORT}\ncafé ☃", expected)


def test_utf16_with_bom_via_the_standard_codec() -> None:
    """What Windows Notepad writes as "Unicode": a little-endian BOM, then UTF-16."""
    text, used = decode("Шойгу visited Pyongyang\r\n".encode("utf-16"))
    assert (text, used) == ("Шойгу visited Pyongyang\n", "utf-16-le")


def test_strict_utf8_comes_before_detection() -> None:
    data = "naïve café, Привет — “quotes”".encode()
    assert decode(data) == ("naïve café, Привет — “quotes”", "utf-8")


def test_bom_less_utf16_with_ascii_is_recognised() -> None:
    assert decode("Hello, world. Plain ASCII in UTF-16.".encode("utf-16-le")) == (
        "Hello, world. Plain ASCII in UTF-16.",
        "utf-16-le",
    )
    assert decode("Hello, world.".encode("utf-16-be")) == ("Hello, world.", "utf-16-be")


@pytest.mark.parametrize("sample", [RUSSIAN_SHORT, "Привет", "Да", "ПРИВЕТ МИР", "Слава Україні, їжак", RUSSIAN_LONG])
def test_cp1251_russian_comes_out_as_russian(sample: str) -> None:
    text, used = decode(sample.encode("cp1251"))
    assert text == sample.replace("\r\n", "\n")
    assert used == "cp1251"


@pytest.mark.parametrize(
    "sample", [FRENCH_SHORT, "Voilà", "Öl", "Grüße aus München", "¿Qué pasó?", "20°C", FRENCH_LONG]
)
def test_latin1_comes_out_as_latin1(sample: str) -> None:
    text, used = decode(sample.encode("latin-1"))
    assert text == sample
    assert used == "cp1252"  # latin-1's superset: same letters, and printable 0x80-0x9F


@pytest.mark.parametrize("sample", ["“Déjà vu” – l’été…", "It costs 5 € or 4 £.", "Marginalia™ • bullet"])
def test_cp1252_punctuation_is_not_taken_for_cyrillic(sample: str) -> None:
    assert decode(sample.encode("cp1252")) == (sample, "cp1252")


@pytest.mark.parametrize(
    "sample, encoding",
    [("Zażółć gęślą jaźń. Minister obrony Rosji odwiedził Pjongjang.", "cp1250"),
     ("Привет, мир! Как дела? Министр обороны России посетил Пхеньян.", "koi8_r"),
     ("Καλημέρα κόσμε, ο υπουργός άμυνας", "cp1253")],
)  # fmt: skip
def test_other_single_byte_encodings(sample: str, encoding: str) -> None:
    assert decode(sample.encode(encoding)) == (sample, encoding)


def test_explicit_encoding_overrides_detection() -> None:
    data = RUSSIAN_SHORT.encode("cp1251")
    assert decode(data, "koi8_r") == (data.decode("koi8_r"), "koi8_r")
    assert decode("café".encode(), "latin-1") == ("cafÃ©", "latin-1")


def test_explicit_encoding_errors() -> None:
    with pytest.raises(DecodeError, match=r"unknown encoding 'no-such-codec'"):
        decode(b"abc", "no-such-codec")
    with pytest.raises(DecodeError, match=r"not valid utf-8 at byte 3"):
        decode(b"abc\xff", "utf-8")


@pytest.mark.parametrize(
    "data",
    [b"\x00" * 1000, b"\x00" * 1001, bytes(range(256)) * 8, b"".join(struct.pack("<I", i) for i in range(500)),
     b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x10", b"\x7fELF\x02\x01\x01\x00" + bytes(56),
     b"\x01\x02\x03\x04\x05\x06\x07\x08 some bytes"],
    ids=["zeros-even", "zeros-odd", "all-bytes", "int32-array", "png", "elf", "controls"],
)  # fmt: skip
def test_binary_data_is_refused(data: bytes) -> None:
    with pytest.raises(DecodeError, match="looks like a binary file"):
        detect_encoding(data)


def test_empty_data_is_empty_text() -> None:
    assert decode(b"") == ("", "utf-8")


def test_a_stray_nul_in_text_is_a_placeholder_not_a_binary_file() -> None:
    assert decode(b"hello\x00world, this is text\n") == ("hello\u2400world, this is text\n", "utf-8")


def test_nroff_overstrike_is_text() -> None:
    """``man ls | cat > ls.txt``: bold as letter, backspace, letter; a third of the bytes are backspaces."""
    data = b"N\x08NA\x08AM\x08ME\x08E\n       ls - list directory contents\n"
    assert decode(data) == ("N\u2408NA\u2408AM\u2408ME\u2408E\n       ls - list directory contents\n", "utf-8")


# -- newlines and placeholders -----------------------------------------------------------------------------------
def test_newlines_are_normalised() -> None:
    assert normalise("a\r\nb\rc\nd\u2028e\u2029f\r\n\r\n") == "a\nb\nc\nd\ne\nf\n\n"


def test_normalise_drops_a_leading_bom_only() -> None:
    assert normalise("\ufeffa\ufeffb") == "a\ufeffb"


@pytest.mark.parametrize(
    "raw, shown",
    [("\x00", "\u2400"), ("\x07", "\u2407"), ("\x08", "\u2408"), ("\x0b", "\u240b"), ("\x0c", "\u240c"),
     ("\x1b", "\u241b"), ("\x1f", "\u241f"), ("\x7f", "\u2421"), ("\x80", "\ufffd"), ("\x85", "\ufffd"),
     ("\x9b", "\ufffd"), ("\x9f", "\ufffd"), ("\u202a", "\u21c4"), ("\u202e", "\u21c4"), ("\u2066", "\u21c4"),
     ("\u2069", "\u21c4")],
)  # fmt: skip
def test_each_control_and_bidi_character_has_a_visible_placeholder(raw: str, shown: str) -> None:
    assert sanitise(f"a{raw}b") == f"a{shown}b"


def test_tab_and_newline_stay() -> None:
    assert sanitise("a\tb\nc") == "a\tb\nc"


def test_escape_sequences_from_a_file_never_reach_the_terminal() -> None:
    data = b"title\n\x1b[2J\x1b]52;c;aGk=\x07 \xe2\x80\xaeevil\xe2\x80\xac \xc2\x9b31m\x7f\n"
    text, used = decode(data)
    assert used == "utf-8"
    assert text == "title\n\u241b[2J\u241b]52;c;aGk=\u2407 \u21c4evil\u21c4 \ufffd31m\u2421\n"
    assert len(text) == len(data.decode("utf-8"))


# -- properties --------------------------------------------------------------------------------------------------
UNSAFE = {chr(c) for c in [*range(0x20), *range(0x7F, 0xA0)]} - {"\n", "\t"} | BIDI_CONTROLS


@given(st.text())
def test_sanitised_text_has_no_control_or_bidi_characters_and_keeps_its_length(text: str) -> None:
    clean = sanitise(text)
    assert len(clean) == len(text)
    assert not UNSAFE & set(clean)
    assert all(a == b for a, b in zip(text, clean) if a not in UNSAFE)


@given(st.text(alphabet=st.characters(blacklist_characters="\r\u2028\u2029")))
def test_normalise_keeps_offsets_when_there_is_no_carriage_return(text: str) -> None:
    if text.startswith("\ufeff"):
        text = "x" + text
    assert len(normalise(text)) == len(text)


@given(st.text())
def test_normalised_text_has_only_newline_line_breaks(text: str) -> None:
    clean = normalise(text)
    assert not {"\r", "\u2028", "\u2029"} & set(clean)
    assert clean == normalise(clean)  # idempotent: a decoded document decodes to itself


PRINTABLE = st.characters(blacklist_categories=("Cs", "Cc"), blacklist_characters="\ufeff")


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "utf-16", "utf-16-be", "utf-32"])
@given(text=st.text(alphabet=PRINTABLE | st.sampled_from("\n\t\r"), min_size=1))
def test_unicode_round_trips(encoding: str, text: str) -> None:
    data = text.encode(encoding)
    if encoding == "utf-16-be":
        data = codecs.BOM_UTF16_BE + data
    assert decode(data)[0] == normalise(text)


def test_placeholders_are_visible_characters() -> None:
    for ch in {sanitise(c) for c in UNSAFE}:
        assert unicodedata.category(ch) == "So", ch


@given(st.binary(max_size=400))
def test_any_bytes_decode_to_safe_text_or_a_decode_error(data: bytes) -> None:
    try:
        text, used = decode(data)
    except DecodeError:
        return
    assert not UNSAFE & set(text)
    assert "\r" not in text
    assert codecs.lookup(used)


HOSTILE = st.sampled_from([
    "\r", "\r\n", "\u2028", "\u2029", "\x1b", "\x0c", "\x85", "\x9f", "\u202e", "\u061c", "\u200e", "\u2066", "\u2069",
    "’", "（", "—", "…", "\xa0", "©", "ب", "\u2027", "\u202f", "\u2065",  # (and what shares their lead bytes)
])  # fmt: skip


@given(st.lists(st.one_of(st.text(max_size=5), HOSTILE), max_size=12).map("".join))
def test_utf8_decoding_skips_only_the_work_that_would_change_nothing(text: str) -> None:
    """A big UTF-8 file is checked byte-wise and skips the passes that would find nothing: what comes out is what
    the full normalisation gives."""
    expected = sanitise(re.sub("\r\n|[\r\u2028\u2029]", "\n", text.removeprefix("\ufeff")))
    data = text.encode("utf-8", "surrogatepass")
    try:
        decoded, encoding = decode(data, "utf-8")
    except DecodeError:
        return  # lone surrogates are not UTF-8
    assert decoded == expected
    try:
        detected, encoding = decode(data)
    except DecodeError:
        return  # mostly control characters: taken for binary
    if encoding == "utf-8":
        assert detected == expected


@given(st.text(alphabet=st.sampled_from(" \t\n\u2028\u3000ab.\x1b"), max_size=30))
def test_with_ends_folds_a_context_to_one_row_keeping_a_space_where_it_meets_the_match(text: str) -> None:
    assert with_ends(text, one_line(text)) == safe_line(re.sub(r"\s+", " ", text))
