"""Documents: loading files and folders, errors naming the path, title, fingerprint and the line index."""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import ASMOLOV, PROMA
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import tui.document
import tui.files
from tui.document import Document, DocumentError, LineIndex, load_document, load_paths, seed_paths


def test_a_utf8_file(write_doc) -> None:
    path = write_doc("a.txt", "\n  Title line  \r\nbody\r\n")
    doc = load_document(path)
    assert doc.text == "\n  Title line  \nbody\n"
    assert doc.encoding == "utf-8"
    assert doc.title == "Title line"
    assert doc.path == path.resolve()
    assert doc.key == str(path.resolve())
    assert doc.fingerprint == hashlib.sha256(b"\n  Title line  \nbody\n").hexdigest()


def test_a_cp1251_file_comes_out_russian(write_doc) -> None:
    text = "Визит Шойгу в Пхеньян\n\nМинистр обороны России прибыл в КНДР.\n"
    doc = load_document(write_doc("ru.txt", text.encode("cp1251")))
    assert (doc.text, doc.encoding, doc.title) == (text, "cp1251", "Визит Шойгу в Пхеньян")


def test_the_encoding_option_overrides_detection(write_doc) -> None:
    path = write_doc("ru.txt", "Привет".encode("cp1251"))
    assert load_document(path, "koi8_r").text == "Привет".encode("cp1251").decode("koi8_r")


def test_a_utf16_file_with_bom(write_doc) -> None:
    doc = load_document(write_doc("u16.txt", "Заголовок\r\nтекст\r\n".encode("utf-16")))
    assert (doc.text, doc.encoding, doc.title) == ("Заголовок\nтекст\n", "utf-16-le", "Заголовок")


def test_a_control_character_document_keeps_offsets(write_doc) -> None:
    raw = "\x1b[31mred\x1b[0m \u202eevil\u202c \x9b\x07\n"
    doc = load_document(write_doc("ctl.txt", raw))
    assert doc.text == "\u241b[31mred\u241b[0m \u21c4evil\u21c4 \ufffd\u2407\n"
    assert len(doc.text) == len(raw)
    assert doc.text[doc.text.index("red") : doc.text.index("red") + 3] == "red"


def test_an_empty_file_is_a_valid_empty_document(write_doc) -> None:
    doc = load_document(write_doc("empty.txt", b""))
    assert doc.text == ""
    assert doc.title == "empty.txt"
    assert doc.fingerprint == hashlib.sha256(b"").hexdigest()
    assert doc.lines.position(0) == (0, 0)


def test_title_is_the_first_non_empty_line_else_the_file_name(write_doc) -> None:
    assert load_document(write_doc("blank.txt", " \n\t\n  \n")).title == "blank.txt"
    assert load_document(write_doc("late.txt", "\n" * 80 + "  found it \n")).title == "found it"
    assert load_document(write_doc("long.txt", "x" * 300)).title == "x" * 119 + "…"


def test_the_fingerprint_is_of_the_normalised_text(write_doc) -> None:
    crlf = load_document(write_doc("crlf.txt", "one\r\ntwo\r\n"))
    lf = load_document(write_doc("lf.txt", "one\ntwo\n"))
    cp = load_document(write_doc("cp.txt", "one\ntwo\n".encode("utf-16")))
    assert crlf.fingerprint == lf.fingerprint == cp.fingerprint == hashlib.sha256(b"one\ntwo\n").hexdigest()


# -- errors --------------------------------------------------------------------------------------------------------
def test_a_missing_file(tmp_path: Path) -> None:
    with pytest.raises(DocumentError) as error:
        load_document(tmp_path / "nope.txt")
    assert str(error.value) == f"{tmp_path / 'nope.txt'}: no such file"


def test_a_binary_file(write_doc) -> None:
    path = write_doc("img.png", b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)))
    with pytest.raises(DocumentError) as error:
        load_document(path)
    assert str(error.value) == f"{path}: looks like a binary file"


def test_a_folder_is_not_a_file(tmp_path: Path) -> None:
    with pytest.raises(DocumentError) as error:
        load_document(tmp_path)
    assert str(error.value) == f"{tmp_path}: is a folder"


def test_an_unreadable_file(write_doc, monkeypatch: pytest.MonkeyPatch) -> None:
    path = write_doc("secret.txt", "text")

    def refuse(path: Path, *args: object) -> int:
        raise PermissionError(13, "Permission denied", str(path))

    monkeypatch.setattr("tui.files.os.open", refuse)  # root reads any file: pretend
    with pytest.raises(DocumentError) as error:
        load_document(path)
    assert str(error.value) == f"{path}: cannot read (Permission denied)"


@pytest.mark.skipif(not hasattr(os, "geteuid") or os.geteuid() == 0, reason="root reads any file")
def test_an_unreadable_file_for_real(write_doc) -> None:
    path = write_doc("secret.txt", "text")
    path.chmod(0)
    with pytest.raises(DocumentError, match="cannot read"):
        load_document(path)


def test_a_path_through_a_file(write_doc) -> None:
    path = write_doc("file.txt", "text") / "inside.txt"
    with pytest.raises(DocumentError) as error:
        load_document(path)
    assert str(error.value) == f"{path}: cannot read (Not a directory)"


def test_an_undecodable_file_with_an_explicit_encoding(write_doc) -> None:
    path = write_doc("ru.txt", "Привет".encode("cp1251"))
    with pytest.raises(DocumentError) as error:
        load_document(path, "utf-8")
    assert str(error.value) == f"{path}: not valid utf-8 at byte 0"


# -- folders -------------------------------------------------------------------------------------------------------
def test_a_folder_opens_its_text_files_sorted(write_doc, tmp_path: Path) -> None:
    write_doc("b.txt", "B")
    write_doc("a.md", "A")
    write_doc("sub/c.txt", "C")
    write_doc("a2.txt", "A2")
    write_doc("binary.bin", bytes(range(256)) * 4)
    write_doc(".hidden.txt", "hidden")
    write_doc(".git/config", "hidden folder")
    docs = load_paths([tmp_path / "docs"])
    assert [d.path.relative_to((tmp_path / "docs").resolve()).as_posix() for d in docs] == [
        "a.md", "a2.txt", "b.txt", "sub/c.txt",
    ]  # fmt: skip
    assert [d.text for d in docs] == ["A", "A2", "B", "C"]


def test_files_and_folders_keep_the_order_given(write_doc, tmp_path: Path) -> None:
    z = write_doc("z.txt", "Z")
    write_doc("folder/2.txt", "2")
    write_doc("folder/1.txt", "1")
    assert [d.text for d in load_paths([z, tmp_path / "docs" / "folder"])] == ["Z", "1", "2"]


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="needs named pipes")
def test_a_folder_with_a_named_pipe_does_not_hang(write_doc, tmp_path: Path) -> None:
    write_doc("a.txt", "A")
    os.mkfifo(tmp_path / "docs" / "pipe.txt")  # opening it for reading would wait for a writer for ever
    assert [d.text for d in load_paths([tmp_path / "docs"])] == ["A"]


def test_an_empty_folder_is_an_error(tmp_path: Path) -> None:
    empty = tmp_path / "empty"
    empty.mkdir()
    with pytest.raises(DocumentError) as error:
        load_paths([empty])
    assert str(error.value) == f"{empty}: no text files in this folder"


def test_a_folder_of_binaries_is_an_error(write_doc, tmp_path: Path) -> None:
    write_doc("only/x.bin", b"\x00\x01\x02" * 100)
    with pytest.raises(DocumentError, match=r"only: no text files in this folder$"):
        load_paths([tmp_path / "docs" / "only"])


def test_a_missing_path_among_several(write_doc, tmp_path: Path) -> None:
    ok = write_doc("ok.txt", "fine")
    with pytest.raises(DocumentError) as error:
        load_paths([ok, tmp_path / "missing.txt"])
    assert str(error.value) == f"{tmp_path / 'missing.txt'}: no such file"


def test_the_seeds() -> None:
    assert [p.name for p in seed_paths()] == [ASMOLOV.name, PROMA.name]
    doc = load_document(ASMOLOV)
    assert doc.title == "Some comments on the Russian Defense Minister’s visit to North Korea"
    assert doc.encoding == "utf-8"
    assert "\r" not in doc.text


# -- the line index ----------------------------------------------------------------------------------------------
def test_line_index_positions() -> None:
    index = LineIndex("ab\ncde\n\nf")
    assert list(index.starts) == [0, 3, 7, 8]
    assert len(index) == 4
    assert [index.position(o) for o in range(10)] == [
        (0, 0), (0, 1), (0, 2), (1, 0), (1, 1), (1, 2), (1, 3), (2, 0), (3, 0), (3, 1),
    ]  # fmt: skip
    assert index.offset(1, 2) == 5
    assert index.offset(1, 99) == 6  # clamped to the end of the line
    assert index.offset(99, 0) == 8  # clamped to the last line
    assert index.position(-5) == (0, 0)
    assert index.position(99) == (3, 1)
    assert [index.line_end(n) for n in range(4)] == [2, 6, 7, 9]


def test_document_lines_and_paragraphs() -> None:
    doc = Document(Path("/x.txt"), "Title\n\nfirst para\nstill first\n\n\nsecond\n")
    assert [doc.line_text(n) for n in range(len(doc.lines))] == [
        "Title", "", "first para", "still first", "", "", "second", "",
    ]  # fmt: skip
    assert doc.paragraph_of(doc.text.index("still")) == 2
    assert doc.paragraph_of(doc.text.index("second")) == 3


def test_line_index_lookup_is_logarithmic(monkeypatch: pytest.MonkeyPatch) -> None:
    """Each lookup is one bisect over the line starts, never a scan of the text."""
    index = LineIndex("line\n" * 200_000)
    calls = []
    real = tui.document.bisect_right

    def counting(a, x):  # type: ignore[no-untyped-def]
        calls.append(x)
        return real(a, x)

    monkeypatch.setattr(tui.document, "bisect_right", counting)
    assert index.position(999_997) == (199_999, 2)
    assert index.offset(150_000, 3) == 750_003
    assert calls == [999_997]


@given(st.text(alphabet=st.sampled_from("ab\n\t é")), st.data())
def test_line_index_round_trip(text: str, data: st.DataObject) -> None:
    index = LineIndex(text)
    offset = data.draw(st.integers(0, len(text)))
    line, column = index.position(offset)
    assert index.offset(line, column) == offset
    assert text[index.starts[line] : offset] == text[index.starts[line] : index.starts[line] + column]
    assert "\n" not in text[index.starts[line] : offset]
    assert line == text.count("\n", 0, offset)
    assert len(index) == text.count("\n") + 1


@given(st.text(alphabet=st.sampled_from(" \t\n\x0b\x85\u3000\xa0ab")))
def test_title_is_the_first_stripped_non_empty_line(text: str) -> None:
    lines = [line.strip() for line in text.split("\n") if line.strip()]
    assert Document(Path("/f.txt"), text).title == (lines[0] if lines else "f.txt")


@given(st.text(max_size=40), st.integers(1, 7))
def test_the_fingerprint_is_the_hash_of_the_whole_text_however_it_is_sliced(text: str, slice_size: int) -> None:
    whole = hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()
    saved, tui.document.HASH_SLICE = tui.document.HASH_SLICE, slice_size
    try:
        assert tui.document.fingerprint(text) == whole
    finally:
        tui.document.HASH_SLICE = saved


def test_line_index_and_fingerprint_are_made_when_first_asked_for() -> None:
    doc = Document(Path("/x.txt"), "Title\n\nbody\n")
    assert "lines" not in vars(doc) and not doc._fingerprint
    assert len(doc.lines) == 4 and doc.fingerprint == tui.document.fingerprint(doc.text)


# -- a big file opened at its start (the reader's) ------------------------------------------------------------------
@pytest.fixture
def small_pieces(monkeypatch: pytest.MonkeyPatch) -> None:
    """Read at once only the first 7 bytes of a file over 8, then 5 bytes a step: every boundary is exercised."""
    monkeypatch.setattr(tui.document, "PROGRESSIVE", 8)
    monkeypatch.setattr(tui.document, "HEAD", 7)
    monkeypatch.setattr(tui.document, "PIECE", 5)


# what a piece boundary may cut: a CRLF, a CR at the end, a multi-byte character, a BOM-like U+FEFF inside, line
# separators and bidi controls (replaced), a C1 control (U+0085), ESC and tab (few controls: the start decides "binary")
TRICKY = st.lists(
    st.sampled_from(
        ["a", " ", "\r", "\n", "\r\n", "é", "—", "漢", "😀", "\ufeff", "\u2028", "\u202e", "\x85", "\x1b", "\t"]
    ),
    min_size=12,
    max_size=40,
).map("".join)


@given(TRICKY)
@settings(suppress_health_check=[HealthCheck.function_scoped_fixture], deadline=None)
def test_a_big_file_opened_at_its_start_reads_to_the_same_text(small_pieces: None, tmp_path_factory, text: str) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path_factory.mktemp("big") / "big.txt"
    raw = ("x" + text).encode("utf-8")  # (a leading BOM would make it utf-8-sig: read whole)
    path.write_bytes(raw)
    whole = load_document(path)
    doc = load_document(path, progressive=True)
    assert not doc.complete
    assert whole.text.startswith(doc.loaded_text)  # the start shown is the whole text's start
    steps = 0
    while not doc.read_for(0):
        assert whole.text.startswith(doc.loaded_text)
        steps += 1
    assert steps > 0
    assert (doc.complete, doc.text, doc.encoding, doc.problem) == (True, whole.text, "utf-8", "")
    assert (doc.fingerprint, doc.title) == (whole.fingerprint, whole.title)  # (a first line cut at the start)


def test_the_whole_text_is_read_when_first_asked_for(small_pieces: None, write_doc) -> None:  # type: ignore[no-untyped-def]
    path = write_doc("big.txt", "line one\nline two\nline three\n")
    doc = load_document(path, progressive=True)
    assert doc.loaded_text == "line on"
    assert doc.lines.line_of(len("line one\nline two\n")) == 2  # the line index is the whole text's
    assert doc.complete and doc.loaded_text == doc.text == "line one\nline two\nline three\n"


def test_bytes_past_the_start_that_are_not_utf8_are_decoded_as_the_whole_would_be(
    small_pieces: None, write_doc
) -> None:  # type: ignore[no-untyped-def]
    raw = "Caf\u00e9 au lait, s'il vous pla\u00eet, et un cr\u00e8me.".encode("cp1252")
    path = write_doc("latin.txt", b"plain start " + raw)
    doc = load_document(path, progressive=True)
    assert doc.loaded_text == "plain s"
    assert doc.text == load_document(path).text
    assert "Café" in doc.text and not doc.problem


def test_a_nul_past_the_start_is_read_as_the_whole_would_be(small_pieces: None, write_doc) -> None:  # type: ignore[no-untyped-def]
    path = write_doc("half.txt", b"some text first, then\x00\x01\x02 binary" * 4)
    doc = load_document(path, progressive=True)
    assert doc.loaded_text == "some te"
    assert (doc.text, doc.problem) == (load_document(path).text, "")


def test_a_file_that_grows_past_the_limit_meanwhile_leaves_the_start_and_says_why(  # type: ignore[no-untyped-def]
    small_pieces: None, write_doc, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = write_doc("growing.txt", "a text that is being written to")
    monkeypatch.setattr(tui.files, "max_size", 40)
    doc = load_document(path, progressive=True)
    with path.open("a") as handle:
        handle.write(" by another program, past the limit")
    assert doc.text == "a text "
    assert str(path) in doc.problem and "limit" in doc.problem


def test_small_files_and_other_formats_are_read_whole(small_pieces: None, write_doc) -> None:  # type: ignore[no-untyped-def]
    assert load_document(write_doc("small.txt", "short"), progressive=True).complete
    utf16 = write_doc("wide.txt", "\ufeffa wide text, long enough to be big".encode("utf-16"))
    assert load_document(utf16, progressive=True).complete
    assert load_document(
        write_doc("ru.txt", "Привет, мир, это длинный текст".encode("cp1251")), progressive=True
    ).complete


def test_the_reader_hashes_without_openssl(tmp_path: Path) -> None:
    """Opening and fingerprinting a document, opening a store and its shards never imports ``hashlib`` (it loads
    OpenSSL: 3.9 MB of the reader's resident memory); the fingerprint is SHA-256 all the same."""
    path = tmp_path / "doc.txt"
    path.write_text("Title — with a dash\n\nbody 北京 🙂\n" * 1000, encoding="utf-8")
    script = (
        "import sys, tui.cli, tui.ui.app, tui.library\n"
        "from pathlib import Path\n"
        "from tui.document import load_document\n"
        "from tui.store import Store\n"
        f"doc = load_document({str(path)!r}, progressive=True)\n"
        "store = Store(Path(sys.argv[1]))\n"
        "store.annotations(docs=[doc.key])\n"
        "print(doc.fingerprint, 'hashlib' in sys.modules, '_hashlib' in sys.modules)\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", script, str(tmp_path / "store.json")], capture_output=True, text=True, check=True
    )
    digest, imported, openssl = done.stdout.split()
    assert (imported, openssl) == ("False", "False")
    assert digest == hashlib.sha256(path.read_text(encoding="utf-8").encode()).hexdigest()
