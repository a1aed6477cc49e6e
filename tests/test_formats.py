"""PDF, web pages, EPUB and Word files, generated here by the tools that make them: detection by content, text in
reading order, offsets of pages and chapters, metadata, bad input, snapshots, and the commands on them."""

from __future__ import annotations

import json
import zipfile
from pathlib import Path

import pytest
from makedocs import (
    make_docx,
    make_encrypted_pdf,
    make_epub,
    make_html,
    make_pdf,
    make_scanned_pdf,
    make_zip_bomb,
    page_text,
)

from tui.document import DocumentError, load_document
from tui.formats import FormatError, TextBuilder, detect, extract, join_lines
from tui.formats.snapshot import Options, folder

HOSTILE = "ESC\x1b[2J BIDI\u202eevil NUL\x00 C1\x9b"


@pytest.fixture(scope="module")
def docs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """One of each, made once for the module (reportlab and python-docx take a moment)."""
    folder = tmp_path_factory.mktemp("docs")
    return {
        "pdf": make_pdf(folder / "report.pdf", pages=3, labels=True, hyphenate="cooperation"),
        "two": make_pdf(folder / "two-column.pdf", pages=2, columns=2),
        "html": make_html(folder / "page.html", hostile=HOSTILE),
        "epub": make_epub(folder / "book.epub", spine_reversed=True),
        "docx": make_docx(folder / "interview.docx"),
        "scanned": make_scanned_pdf(folder / "scan.pdf"),
        "encrypted": make_encrypted_pdf(folder / "locked.pdf", password="s3cret"),
    }


def _extract(path: Path, **options: object):
    data = path.read_bytes()
    return extract(data, detect(data, path.name) or "", **options)  # type: ignore[arg-type]


# -- detection ---------------------------------------------------------------------------------------------------
def test_formats_are_detected_by_content_not_by_name(docs: dict[str, Path], tmp_path: Path) -> None:
    for kind, path in [("pdf", docs["pdf"]), ("html", docs["html"]), ("epub", docs["epub"]), ("docx", docs["docx"])]:
        renamed = tmp_path / f"{kind}-without-extension"
        renamed.write_bytes(path.read_bytes())
        assert detect(renamed.read_bytes(), renamed.name) == kind
    assert detect(b"# Notes\n\nA Markdown file mentioning <html> and %PDF-1.4 later.") is None
    assert detect(b"def f():\n    return '<!doctype html>'\n") is None
    assert detect(b"PK\x03\x04 not really a zip") is None
    assert detect(b"PK\x03\x04 not really a zip", "book.epub") == "epub"  # so it gets a "damaged EPUB" error


# -- PDF -----------------------------------------------------------------------------------------------------------
def test_pdf_paragraphs_are_single_lines_in_order_without_running_headers(docs: dict[str, Path]) -> None:
    e = _extract(docs["pdf"])
    paragraphs = e.text.split("\n\n")
    expected = [page_text(p, n) for p in (1, 2, 3) for n in (1, 2)]
    assert [p.split(" begins")[0] for p in paragraphs] == [x.split(" begins")[0] for x in expected]
    assert paragraphs[2] == page_text(2, 1)  # the wrapped lines joined with spaces: the sentence is whole
    assert "Occasional Paper Series" not in e.text  # the running header
    assert all(not p.strip().isdigit() for p in paragraphs)  # the page numbers of the footer
    assert "strategic cooperation changes" in paragraphs[0]  # "coop-" + "eration" at a line end, joined


def test_pdf_page_offsets_and_labels(docs: dict[str, Path]) -> None:
    e = _extract(docs["pdf"])
    assert [label for _, label in e.pages] == ["i", "1", "2"]
    assert [offset for offset, _ in e.pages] == [
        0,
        e.text.index("Paragraph 1 of page 2"),
        e.text.index("Paragraph 1 of page 3"),
    ]
    assert e.extractor.startswith("pdfminer.six ")
    assert e.metadata.title == "Shoigu in Pyongyang" and e.metadata.authors == ("Konstantin Asmolov",)


def test_a_two_column_pdf_is_read_column_by_column(docs: dict[str, Path]) -> None:
    e = _extract(docs["two"])
    order = [p.split(" begins")[0] for p in e.text.split("\n\n")]
    assert order == [f"Paragraph {n} of page {p}" for p in (1, 2) for n in (1, 2, 3, 4)]
    assert e.pages[1] == (e.text.index("Paragraph 1 of page 2"), "2")


def test_join_lines() -> None:
    assert join_lines("a well-\nknown  word\nand a\nCold-\nWar") == "a wellknown word and a Cold- War"
    assert join_lines("ﬁnd the ﬂow\n") == "find the flow"


def test_hostile_text_in_a_pdf_becomes_placeholders(tmp_path: Path) -> None:
    path = make_pdf(tmp_path / "hostile.pdf", pages=1, hostile="ESC\x1b[2J BIDI\u202eevil")
    text = _extract(path).text
    assert "\x1b" not in text and "\u202e" not in text


def test_an_encrypted_pdf_needs_its_password(docs: dict[str, Path]) -> None:
    with pytest.raises(FormatError, match=r"^encrypted PDF: give its password with --password$"):
        _extract(docs["encrypted"])
    with pytest.raises(FormatError, match=r"^wrong password"):
        _extract(docs["encrypted"], password="nope")
    assert _extract(docs["encrypted"], password="s3cret").text.startswith("Paragraph 1 of page 1")


def test_a_scanned_pdf_asks_for_ocr(docs: dict[str, Path]) -> None:
    with pytest.raises(FormatError) as error:
        _extract(docs["scanned"])
    assert str(error.value) == "no text layer; run OCR first, e.g. ocrmypdf"


@pytest.mark.parametrize(
    "damage", [lambda b: b[: len(b) // 3], lambda b: b"%PDF-1.7\n" + b"\x00garbage" * 50, lambda b: b[:9]]
)
def test_a_corrupt_pdf_is_one_line(docs: dict[str, Path], damage) -> None:
    with pytest.raises(FormatError) as error:
        extract(damage(docs["pdf"].read_bytes()), "pdf")
    assert "\n" not in str(error.value)


# -- HTML ----------------------------------------------------------------------------------------------------------
def test_a_web_page_gives_its_article_only(docs: dict[str, Path]) -> None:
    e = _extract(docs["html"])
    assert e.text.startswith("Sergei Shoigu's Visit To North Korea: New Momentum\n\nRussia and North Korea")
    assert "The defence exhibition showcased the North's prohibited" in e.text  # inline tags do not split lines
    for left_out in ("MENU-NEWS", "COOKIE-BANNER", "SIDEBAR-LINK", "FOOTER-TEXT", "SCRIPTED", "color: red"):
        assert left_out not in e.text
    assert "\x1b" not in e.text and "\u202e" not in e.text  # hostile text never reaches the pane as controls
    assert e.metadata.title == "Sergei Shoigu's Visit To North Korea: New Momentum"
    assert e.metadata.authors == ("Aishwarya Sanjukta Roy Proma",)
    assert (e.metadata.date, e.metadata.url) == ("2023-08-12", "https://www.eurasiareview.com/shoigu-visit/")


def test_the_whole_page_keeps_menus_and_footers_but_never_scripts(docs: dict[str, Path]) -> None:
    text = _extract(docs["html"], whole_page=True).text
    assert "MENU-NEWS" in text and "FOOTER-TEXT" in text and "Russia and North Korea" in text
    assert "SCRIPTED" not in text and "color: red" not in text
    assert "\x1b" not in text and "\u202e" not in text and "\x00" not in text


def test_extracted_text_is_normalised_like_a_text_file() -> None:
    builder = TextBuilder()
    builder.add("ESC\x1b[2J BIDI\u202eevil NUL\x00 C1\x9b\r\nnext \ud800")
    assert builder.text == "ESC␛[2J BIDI⇄evil NUL␀ C1\ufffd\nnext \ufffd"


def test_a_bidi_override_in_a_word_file_becomes_a_placeholder(tmp_path: Path) -> None:
    text = _extract(make_docx(tmp_path / "bidi.docx", hostile="BIDI\u202eevil")).text
    assert "BIDI⇄evil" in text and "\u202e" not in text


# -- EPUB ----------------------------------------------------------------------------------------------------------
def test_an_epub_follows_its_spine_with_chapter_offsets(docs: dict[str, Path]) -> None:
    e = _extract(docs["epub"])
    assert [title for _, title in e.chapters] == ["Aftermath", "The Parade", "The Visit"]  # the spine's order
    assert [offset for offset, _ in e.chapters] == [e.text.index(t) for t in ("Aftermath", "The Parade", "The Visit")]
    assert "Analysts in Seoul read the visit as a signal.\n\nThe sanctions regime" in e.text
    assert "color: red" not in e.text
    assert e.metadata.title == "Seven Days in Pyongyang"
    assert e.metadata.authors == ("Anna Fifield", "Andrei Lankov") and e.metadata.date == "2024-03-01"


def test_epub_chapter_titles_come_from_its_table_of_contents(tmp_path: Path) -> None:
    path = make_epub(tmp_path / "nav.epub")
    with zipfile.ZipFile(path, "a") as book:
        book.writestr(
            "OEBPS/nav.xhtml",
            '<html xmlns="http://www.w3.org/1999/xhtml"><body><nav><ol><li><a href="text/ch2.xhtml#top">Part Two: '
            "the parade</a></li></ol></nav></body></html>",
        )
    opf = zipfile.ZipFile(path).read("OEBPS/content.opf").decode()
    rebuilt = tmp_path / "nav2.epub"
    with zipfile.ZipFile(path) as old, zipfile.ZipFile(rebuilt, "w") as new:
        for info in old.infolist():
            data = old.read(info)
            if info.filename == "OEBPS/content.opf":
                data = opf.replace(
                    "<manifest>", '<manifest><item id="nav" href="nav.xhtml" properties="nav" media-type="a"/>'
                ).encode()
            new.writestr(info, data)
    assert [t for _, t in _extract(rebuilt).chapters] == ["The Visit", "Part Two: the parade", "Aftermath"]


# -- DOCX ----------------------------------------------------------------------------------------------------------
def test_a_word_file_gives_headings_lists_tables_and_footnotes(docs: dict[str, Path]) -> None:
    e = _extract(docs["docx"])
    blocks = e.text.split("\n\n")
    assert blocks[:3] == [
        "Interview with a Seoul analyst",
        "Background",
        "The interview took place in Seoul in September 2023.",
    ]
    assert "• the visit itself" in blocks and "• arms transfers" in blocks and "1. first question" in blocks
    assert "Date | Event | Place" in blocks and "27 July | Parade | Pyongyang" in blocks
    assert "Q: Was the visit a turning point? A: In a sense it was.[1]" in blocks
    assert blocks[-2:] == ["Notes", "[1] Recorded with the analyst's consent."]
    assert e.metadata.title == "Interview with a Seoul analyst" and e.metadata.authors == ("Jane Researcher",)


# -- bad zips and XML ----------------------------------------------------------------------------------------------
@pytest.mark.parametrize("kind", ["epub", "docx"])
def test_a_zip_bomb_is_refused(tmp_path: Path, kind: str) -> None:
    path = make_zip_bomb(tmp_path / f"bomb.{kind}", kind, inflated=300 * 2**20)
    assert path.stat().st_size < 2**20
    with pytest.raises(FormatError, match=r"^refused: it would inflate to 300 MiB, over 256 MiB"):
        _extract(path)
    liar = make_zip_bomb(tmp_path / f"liar.{kind}", kind, inflated=300 * 2**20, lie=True)  # "1 KiB", says it
    with pytest.raises(FormatError, match=r"^not a readable .*Bad CRC"):  # zipfile reads no more than declared
        _extract(liar)


def test_a_damaged_zip_and_broken_xml_are_one_line(docs: dict[str, Path], tmp_path: Path) -> None:
    cut = tmp_path / "cut.epub"
    cut.write_bytes(docs["epub"].read_bytes()[:200])
    with pytest.raises(FormatError, match=r"^not a readable EPUB"):
        _extract(cut)
    broken = tmp_path / "broken.docx"
    with zipfile.ZipFile(docs["docx"]) as old, zipfile.ZipFile(broken, "w") as new:
        for info in old.infolist():
            new.writestr(info, b"<w:document><unclosed>" if info.filename == "word/document.xml" else old.read(info))
    with pytest.raises(FormatError, match="not well-formed XML") as error:
        _extract(broken)
    assert "\n" not in str(error.value)


# -- documents and snapshots -----------------------------------------------------------------------------------
def test_a_pdf_opens_as_a_document_through_its_snapshot(docs: dict[str, Path], monkeypatch: pytest.MonkeyPatch) -> None:
    document = load_document(docs["pdf"])
    assert (document.kind, document.title) == ("pdf", "Shoigu in Pyongyang")
    assert document.page_of(document.text.index("Paragraph 2 of page 2")) == "1"
    saved = list(folder().glob("*.json"))
    assert len(saved) == 1 and saved[0].stat().st_mode & 0o077 == 0
    record = json.loads(saved[0].read_text("utf-8"))
    assert record["extractor"].startswith("pdfminer.six") and record["pages"][1][1] == "1"

    def no_extraction(*args: object) -> None:
        raise AssertionError("extracted again")

    monkeypatch.setattr("tui.formats.snapshot.extract", no_extraction)
    again = load_document(docs["pdf"])
    assert (again.text, again.pages, again.fingerprint) == (document.text, document.pages, document.fingerprint)
    with pytest.raises(AssertionError, match="extracted again"):
        load_document(docs["pdf"], options=Options(reextract=True))


def test_bad_input_leaves_no_snapshot(docs: dict[str, Path], tmp_path: Path) -> None:
    bomb = make_zip_bomb(tmp_path / "bomb.epub", "epub", inflated=300 * 2**20)
    for path in (docs["scanned"], docs["encrypted"], bomb):
        with pytest.raises(DocumentError) as error:
            load_document(path)
        assert str(error.value).startswith(f"{path}: ") and "\n" not in str(error.value)
    assert not folder().exists() or not list(folder().iterdir())


def test_a_changed_source_gets_a_new_snapshot(docs: dict[str, Path], tmp_path: Path) -> None:
    copy = tmp_path / "report.pdf"
    copy.write_bytes(docs["two"].read_bytes())
    first = load_document(copy)
    make_pdf(copy, pages=1)
    second = load_document(copy)
    assert first.fingerprint != second.fingerprint and len(list(folder().glob("*.json"))) == 2


# -- the commands ------------------------------------------------------------------------------------------------
def test_tag_list_and_export_a_pdf_cite_its_pages(cli, docs: dict[str, Path], store_path: Path) -> None:
    pdf = docs["pdf"]
    assert cli("doc", "set", pdf, "date=2023-08-08", "--store", store_path).code == 0
    tagged = cli("tag", pdf, "--match", "Paragraph 2 of page 2", "--theme", "visit", "--store", store_path)
    assert tagged.code == 0 and tagged.out.startswith("created 1 highlight") and "Shoigu in Pyongyang" in tagged.out
    listed = json.loads(cli("list", "--format", "json", "--doc", pdf, "--store", store_path).out)
    assert [(a["quote"], a["page"]) for a in listed] == [("Paragraph 2 of page 2", "1")]  # page 2 is labelled "1"
    assert listed[0]["metadata"] == {
        "title": "Shoigu in Pyongyang", "authors": ["Konstantin Asmolov"], "date": "2023-08-08", "url": "",
    }  # fmt: skip
    exported = cli("export", "--doc", pdf, "--store", store_path).out
    assert "\n— Asmolov, *Shoigu in Pyongyang* (2023), p. 1\n" in exported
    plain = make_pdf(store_path.parent.parent / "plain.pdf", pages=3)  # no labels: pages are numbered
    cli("tag", plain, "--match", "Paragraph 1 of page 2", "--theme", "visit", "--store", store_path)
    assert ", p. 2\n" in cli("export", "--doc", plain, "--store", store_path).out


def test_epub_html_and_word_citations(cli, docs: dict[str, Path], store_path: Path) -> None:
    for path, needle in (
        (docs["epub"], "new drones"),
        (docs["html"], "flexible and pragmatic"),
        (docs["docx"], "arms transfers"),
    ):
        assert cli("tag", path, "--match", needle, "--theme", "t", "--store", store_path).code == 0
    exported = cli("export", "--store", store_path).out
    assert "\n— Fifield and Lankov, *Seven Days in Pyongyang* (2024), chapter 2\n" in exported
    assert "\n— Proma, *Sergei Shoigu's Visit To North Korea: New Momentum* (2023), paragraph 5\n" in exported
    assert "\n— Researcher, *Interview with a Seoul analyst* (2013), paragraph 6\n" in exported


def test_an_encrypted_pdf_with_and_without_password(cli, docs: dict[str, Path], store_path: Path) -> None:
    refused = cli("tag", docs["encrypted"], "--match", "Paragraph", "--theme", "t", "--store", store_path)
    assert refused.code == 1 and refused.out == ""
    assert refused.err == f"marginalia: error: {docs['encrypted']}: encrypted PDF: give its password with --password\n"
    assert not store_path.exists() and not (store_path.parent / "snapshots").exists()
    opened = cli(
        "tag",
        docs["encrypted"],
        "--password",
        "s3cret",
        "--match",
        "Paragraph 1 of page 1",
        "--theme",
        "t",
        "--store",
        store_path,
    )
    assert opened.code == 0 and opened.out.startswith("created 1 highlight")
    assert len(list((store_path.parent / "snapshots").glob("*.json"))) == 1
    # from then on its snapshot opens it: list and export need no password
    assert json.loads(cli("list", "--format", "json", "--store", store_path).out)[0]["page"] == "1"


def test_a_scanned_pdf_is_refused_with_exit_1(cli, docs: dict[str, Path], store_path: Path) -> None:
    result = cli("tag", docs["scanned"], "--match", "x", "--theme", "t", "--store", store_path)
    assert (result.code, result.out) == (1, "")
    assert result.err == f"marginalia: error: {docs['scanned']}: no text layer; run OCR first, e.g. ocrmypdf\n"
    assert not store_path.exists() and not (store_path.parent / "snapshots").exists()
    read = cli("read", docs["scanned"], "--store", store_path)
    assert read.code == 1 and read.err.endswith("no text layer; run OCR first, e.g. ocrmypdf\n")


def test_doc_show_and_set(cli, docs: dict[str, Path], store_path: Path) -> None:
    shown = cli("doc", "show", docs["epub"], "--store", store_path)
    assert shown.code == 0
    assert "format:    epub" in shown.out and "chapters:  3: Aftermath; The Parade; The Visit" in shown.out
    assert "authors:   Anna Fifield; Andrei Lankov" in shown.out
    assert cli("doc", "set", docs["epub"], "title=Seven Days", "author=Lankov, Andrei", "--store", store_path).code == 0
    data = json.loads(cli("doc", "show", docs["epub"], "--format", "json", "--store", store_path).out)
    assert data["metadata"] == {"title": "Seven Days", "authors": ["Lankov, Andrei"], "date": "2024-03-01", "url": ""}
    assert data["set_by_hand"] == ["title", "authors"] and data["format"] == "epub"
    assert cli("doc", "set", docs["epub"], "title=", "--store", store_path).code == 0  # cleared: the file's again
    assert (
        json.loads(cli("doc", "show", docs["epub"], "--format", "json", "--store", store_path).out)["metadata"]["title"]
        == "Seven Days in Pyongyang"
    )
    bad = cli("doc", "set", docs["epub"], "date=last year", "--store", store_path)
    assert bad.code == 1 and "is not YYYY" in bad.err
    assert cli("doc", "set", docs["epub"], "colour=red", "--store", store_path).code == 1
    assert cli("doc", "set", store_path.parent / "nothing.pdf", "title=x", "--store", store_path).code == 1


def test_a_changed_pdf_carries_its_annotations_over(cli, tmp_path: Path, store_path: Path) -> None:
    pdf = make_pdf(tmp_path / "draft.pdf", pages=2)
    cli("tag", pdf, "--match", "Paragraph 2 of page 2", "--theme", "t", "--store", store_path)
    make_pdf(pdf, pages=3, header="Revised edition")  # a new version of the file: a new snapshot
    listed = json.loads(cli("list", "--format", "json", "--store", store_path).out)
    assert [(a["status"], a["page"]) for a in listed] == [("anchored", "2")]
    make_pdf(pdf, pages=2, paragraphs=3)  # the text moved
    listed = json.loads(cli("list", "--format", "json", "--store", store_path).out)
    assert [(a["quote"], a["status"], a["page"]) for a in listed] == [("Paragraph 2 of page 2", "moved", "2")]


def test_relink_and_import_accept_formatted_files(cli, docs: dict[str, Path], tmp_path: Path, store_path: Path) -> None:
    first = tmp_path / "a.docx"
    first.write_bytes(docs["docx"].read_bytes())
    cli("tag", first, "--match", "arms transfers", "--theme", "t", "--store", store_path)
    exported = tmp_path / "w3c.json"
    cli("export", "--format", "w3c", "-o", exported, "--store", store_path)
    moved = tmp_path / "b.docx"
    first.rename(moved)
    assert cli("relink", first, moved, "--store", store_path).code == 0
    listed = json.loads(cli("list", "--format", "json", "--doc", moved, "--store", store_path).out)
    assert [a["quote"] for a in listed] == ["arms transfers"]
    other = tmp_path / "other-store.json"
    imported = cli("import", exported, "--doc", moved, "--store", other)
    assert imported.code == 0, imported.err
    assert [a["quote"] for a in json.loads(cli("list", "--format", "json", "--store", other).out)] == ["arms transfers"]
