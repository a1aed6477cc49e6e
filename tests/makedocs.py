"""Real files in every format the reader opens, made by the tools people make them with (reportlab for PDF,
python-docx for Word, zipfile for EPUB), including broken and hostile ones. Used by the tests and the bench."""

from __future__ import annotations

import io
import struct
import zipfile
import zlib
from pathlib import Path

LOREM = (
    "Russia and North Korea are actively taking advantage of the strategic changes caused by the ongoing war. "
    "The presence of the defence chief alongside Kim Jong Un at a military parade conveyed a distinct message. "
    "Both parties placed significant emphasis on the need to enhance and fortify their relationship."
)


def page_text(page: int, paragraph: int) -> str:
    """A recognisable paragraph: its page and number appear in it, so tests can find where it landed."""
    return f"Paragraph {paragraph} of page {page} begins here. " + LOREM


def make_pdf(
    path: Path,
    pages: int = 3,
    columns: int = 1,
    paragraphs: int = 2,
    header: str | None = "Occasional Paper Series",
    footer: bool = True,
    labels: bool = False,
    title: str = "Shoigu in Pyongyang",
    author: str = "Konstantin Asmolov",
    hyphenate: str | None = None,
    hostile: str = "",
) -> Path:
    """A text PDF. Each paragraph is wrapped to its column (so its lines must be joined back); two columns are
    drawn left column first; ``hyphenate`` puts that word split with a hyphen across a line end in page 1;
    ``labels``: the first page is labelled "i", the rest "1", "2", ... (like a report with a cover)."""
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.utils import simpleSplit
    from reportlab.pdfgen import canvas

    width, height = A4
    pdf = canvas.Canvas(str(path), pagesize=A4)
    pdf.setTitle(title)
    pdf.setAuthor(author)
    pdf.setCreator("makedocs")
    margin, gap, size = 60.0, 24.0, 10.0
    column_width = (width - 2 * margin - gap * (columns - 1)) / columns
    for page in range(1, pages + 1):
        if header:
            pdf.setFont("Helvetica", 8)
            pdf.drawString(margin, height - 35, header)
        if footer:
            pdf.setFont("Helvetica", 8)
            pdf.drawCentredString(width / 2, 30, str(page))
        pdf.setFont("Helvetica", size)
        number = 0
        for column in range(columns):
            x = margin + column * (column_width + gap)
            y = height - 80
            for _ in range(paragraphs):
                number += 1
                text = page_text(page, number)
                if page == 1 and number == 1 and hostile:
                    text += " " + hostile
                lines = simpleSplit(text, "Helvetica", size, column_width)
                if page == 1 and number == 1 and hyphenate:
                    head, tail = hyphenate[: len(hyphenate) // 2], hyphenate[len(hyphenate) // 2 :]
                    lines[0] = lines[0] + " " + head + "-"
                    lines[1] = tail + " " + lines[1]
                for line in lines:
                    pdf.drawString(x, y, line)
                    y -= size * 1.3
                y -= size * 1.6  # the gap between paragraphs
        pdf.showPage()
    pdf.save()
    if labels:
        _add_labels(path)
    return path


def _add_labels(path: Path) -> None:
    from pypdf import PdfReader, PdfWriter
    from pypdf.constants import PageLabelStyle

    writer = PdfWriter(clone_from=PdfReader(path))
    writer.set_page_label(0, 0, style=PageLabelStyle.LOWERCASE_ROMAN)
    writer.set_page_label(1, len(writer.pages) - 1, style=PageLabelStyle.DECIMAL, start=1)
    writer.write(path)


def make_encrypted_pdf(path: Path, password: str = "s3cret", **options: object) -> Path:
    from pypdf import PdfReader, PdfWriter

    plain = make_pdf(path.with_name("plain-" + path.name), **options)  # type: ignore[arg-type]
    writer = PdfWriter(clone_from=PdfReader(plain))
    writer.encrypt(user_password=password, owner_password=None, algorithm="AES-128")
    writer.write(path)
    plain.unlink()
    return path


def make_scanned_pdf(path: Path, pages: int = 2) -> Path:
    """Pages of shapes only, like a scan: no text layer."""
    from reportlab.lib.pagesizes import A4
    from reportlab.pdfgen import canvas

    pdf = canvas.Canvas(str(path), pagesize=A4)
    for _ in range(pages):
        for row in range(40):
            pdf.rect(60, 780 - row * 18, 400 - (row % 7) * 30, 9, fill=1, stroke=0)
        pdf.showPage()
    pdf.save()
    return path


ARTICLE = (
    "Russia and North Korea are taking advantage of the strategic changes caused by the war in Ukraine.",
    "In July 2023, Russia's defence minister Sergei Shoigu visited Pyongyang for the 70th Victory Day.",
    "Kim Jong Un expressed his full support, and both parties emphasised their long relationship.",
    "China's view of the alliance is flexible and pragmatic, rather than fixed or ideological.",
)


def make_html(path: Path, hostile: str = "") -> Path:
    """A saved web page: menus, a script, a style, a cookie banner, an article, a footer."""
    paragraphs = "\n".join(f"<p>{p}{' ' + hostile if i == 0 and hostile else ''}</p>" for i, p in enumerate(ARTICLE))
    path.write_text(
        f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<title>Shoigu's Visit To North Korea | Eurasia Review</title>
<meta name="author" content="Aishwarya Sanjukta Roy Proma">
<meta property="og:title" content="Sergei Shoigu's Visit To North Korea: New Momentum">
<meta property="og:url" content="https://www.eurasiareview.com/shoigu-visit/">
<meta property="article:published_time" content="2023-08-12T10:00:00+00:00">
<style>body {{ color: red }} .menu {{ display: flex }}</style>
<script>document.write("SCRIPTED TEXT"); fetch("https://tracker.example/")</script>
<link rel="stylesheet" href="https://cdn.example/site.css">
</head><body>
<nav class="menu"><ul><li><a href="/">Home</a></li><li><a href="/news">MENU-NEWS</a></li>
<li><a href="/opinion">MENU-OPINION</a></li><li><a href="/contact">MENU-CONTACT</a></li></ul></nav>
<div class="cookie">We use cookies. COOKIE-BANNER <button>Accept</button></div>
<main><article>
<h1>Sergei Shoigu's Visit To North Korea: New Momentum</h1>
<p class="byline">By Aishwarya Sanjukta Roy Proma</p>
{paragraphs}
<p>The <b>defence</b> exhibition showcased the <i>North's</i> prohibited ballistic missiles, as both nations expressed
the wish to deepen their cooperation in the years to come, whatever the sanctions.</p>
</article></main>
<aside class="sidebar"><h3>Related</h3><ul><li><a href="/x">SIDEBAR-LINK one</a></li></ul></aside>
<footer><p>FOOTER-TEXT Copyright 2023 Eurasia Review. All rights reserved.</p></footer>
<img src="https://tracker.example/pixel.gif">
</body></html>
""",
        "utf-8",
    )
    return path


CHAPTERS = (
    ("The Visit", ["Shoigu arrived in Pyongyang on July 25.", "He was met at the airport by Kang Sun-nam."]),
    ("The Parade", ["On July 27 the parade showed new drones.", "Kim Jong Un stood beside the guests."]),
    ("Aftermath", ["Analysts in Seoul read the visit as a signal.", "The sanctions regime looked weaker."]),
)


def make_epub(path: Path, chapters: tuple[tuple[str, list[str]], ...] = CHAPTERS, spine_reversed: bool = False) -> Path:
    """An EPUB 3 made with zipfile: the spine names the chapters in reading order, which ``spine_reversed``
    makes differ from the manifest's (and the file names') order."""
    names = [f"text/ch{n + 1}.xhtml" for n in range(len(chapters))]
    manifest = "\n".join(
        f'<item id="c{n + 1}" href="{name}" media-type="application/xhtml+xml"/>' for n, name in enumerate(names)
    )
    order = list(range(len(chapters)))[::-1] if spine_reversed else list(range(len(chapters)))
    spine = "\n".join(f'<itemref idref="c{n + 1}"/>' for n in order)
    with zipfile.ZipFile(path, "w") as book:
        book.writestr(zipfile.ZipInfo("mimetype"), "application/epub+zip")
        book.writestr(
            "META-INF/container.xml",
            '<?xml version="1.0"?><container version="1.0" xmlns="urn:oasis:names:tc:opendocument:xmlns:container">'
            '<rootfiles><rootfile full-path="OEBPS/content.opf" media-type="application/oebps-package+xml"/>'
            "</rootfiles></container>",
        )
        book.writestr(
            "OEBPS/content.opf",
            f"""<?xml version="1.0" encoding="utf-8"?>
<package xmlns="http://www.idpf.org/2007/opf" version="3.0" unique-identifier="id">
<metadata xmlns:dc="http://purl.org/dc/elements/1.1/">
<dc:identifier id="id">urn:uuid:1234</dc:identifier><dc:title>Seven Days in Pyongyang</dc:title>
<dc:creator>Anna Fifield</dc:creator><dc:creator>Andrei Lankov</dc:creator><dc:date>2024-03-01</dc:date>
<dc:language>en</dc:language></metadata>
<manifest>{manifest}<item id="css" href="style.css" media-type="text/css"/></manifest>
<spine>{spine}</spine></package>""",
        )
        book.writestr("OEBPS/style.css", "p { margin: 0 }")
        for (title, paragraphs), name in zip(chapters, names):
            body = "".join(f"<p>{p}</p>" for p in paragraphs)
            book.writestr(
                f"OEBPS/{name}",
                f'<?xml version="1.0" encoding="utf-8"?><html xmlns="http://www.w3.org/1999/xhtml"><head>'
                f"<title>{title}</title><style>p {{ color: red }}</style></head><body><h1>{title}</h1>{body}"
                "</body></html>",
            )
    return path


def make_docx(path: Path, hostile: str = "") -> Path:
    """An interview transcript: title, headings, paragraphs, a bulleted and a numbered list, a table, a footnote."""
    from docx import Document

    document = Document()
    document.core_properties.title = "Interview with a Seoul analyst"
    document.core_properties.author = "Jane Researcher"
    document.add_heading("Interview with a Seoul analyst", level=0)
    document.add_heading("Background", level=1)
    document.add_paragraph("The interview took place in Seoul in September 2023." + (" " + hostile if hostile else ""))
    document.add_paragraph("Topics covered:")
    document.add_paragraph("the visit itself", style="List Bullet")
    document.add_paragraph("arms transfers", style="List Bullet")
    document.add_paragraph("first question", style="List Number")
    document.add_heading("Transcript", level=1)
    answer = document.add_paragraph("Q: Was the visit a turning point? A: In a sense it was.")
    table = document.add_table(rows=2, cols=3)
    for row, cells in enumerate((("Date", "Event", "Place"), ("27 July", "Parade", "Pyongyang"))):
        for column, value in enumerate(cells):
            table.cell(row, column).text = value
    document.add_paragraph("The last paragraph after the table.")
    document.save(str(path))
    _add_footnote(path, answer_text=answer.text, note="Recorded with the analyst's consent.")
    return path


_W = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"


def _add_footnote(path: Path, answer_text: str, note: str) -> None:
    """python-docx writes no footnotes: add word/footnotes.xml and a reference after ``answer_text`` by hand."""
    source = zipfile.ZipFile(path)
    parts = {info.filename: source.read(info) for info in source.infolist()}
    source.close()
    document = parts["word/document.xml"].decode()
    run = f'<w:t>{answer_text}</w:t></w:r><w:r><w:footnoteReference w:id="1"/>'
    document = document.replace(f"<w:t>{answer_text}</w:t></w:r>", run + "</w:r>", 1)
    parts["word/document.xml"] = document.encode()
    parts["word/footnotes.xml"] = (
        f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?><w:footnotes xmlns:w="{_W}">'
        '<w:footnote w:type="separator" w:id="-1"><w:p><w:r><w:separator/></w:r></w:p></w:footnote>'
        '<w:footnote w:type="continuationSeparator" w:id="0"><w:p><w:r><w:continuationSeparator/></w:r></w:p>'
        f'</w:footnote><w:footnote w:id="1"><w:p><w:r><w:t>{note}</w:t></w:r></w:p></w:footnote></w:footnotes>'
    ).encode()
    rels = parts["word/_rels/document.xml.rels"].decode()
    rels = rels.replace(
        "</Relationships>",
        '<Relationship Id="rIdFn1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/'
        'footnotes" Target="footnotes.xml"/></Relationships>',
    )
    parts["word/_rels/document.xml.rels"] = rels.encode()
    types = parts["[Content_Types].xml"].decode()
    types = types.replace(
        "</Types>",
        '<Override PartName="/word/footnotes.xml" ContentType="application/vnd.openxmlformats-officedocument.'
        'wordprocessingml.footnotes+xml"/></Types>',
    )
    parts["[Content_Types].xml"] = types.encode()
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as out:
        for name, data in parts.items():
            out.writestr(name, data)


def make_zip_bomb(path: Path, kind: str = "epub", inflated: int = 300 * 2**20, lie: bool = False) -> Path:
    """A small EPUB or DOCX one of whose members inflates to ``inflated`` bytes of zeros; with ``lie`` its
    headers claim 1 KiB. Written by hand from one deflated MiB repeated (each full flush resets the compressor,
    so every MiB deflates to the same bytes): compressing 300 MiB would take seconds."""
    chunk = 1 << 20
    deflate = zlib.compressobj(9, zlib.DEFLATED, -15)
    first = deflate.compress(b"\0" * chunk) + deflate.flush(zlib.Z_FULL_FLUSH)
    repeated = deflate.compress(b"\0" * chunk) + deflate.flush(zlib.Z_FULL_FLUSH)
    body = first + repeated * (inflated // chunk - 1) + deflate.flush(zlib.Z_FINISH)
    crc = 0
    zeros = b"\0" * chunk
    for _ in range(inflated // chunk):
        crc = zlib.crc32(zeros, crc)
    if kind == "epub":
        members = [
            ("mimetype", b"application/epub+zip"),
            ("META-INF/container.xml", b'<container xmlns="urn:oasis:names:tc:opendocument:xmlns:container">'
             b'<rootfiles><rootfile full-path="content.opf"/></rootfiles></container>'),
            ("content.opf", b'<package xmlns="http://www.idpf.org/2007/opf"><metadata/><manifest>'
             b'<item id="a" href="a.xhtml" media-type="application/xhtml+xml"/></manifest>'
             b'<spine><itemref idref="a"/></spine></package>'),
        ]  # fmt: skip
        name = "a.xhtml"
    else:
        members = [("[Content_Types].xml", b"<Types/>")]
        name = "word/document.xml"
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for member, data in members:
            archive.writestr(member, data)
    head = buffer.getvalue()
    stored = zipfile.ZipFile(io.BytesIO(head))
    entries = [(info, info.header_offset) for info in stored.infolist()]
    local_end = stored.start_dir
    declared = 1024 if lie else inflated
    encoded = name.encode()
    offset = local_end
    local = struct.pack("<4sHHHHHIIIHH", b"PK\x03\x04", 20, 0, 8, 0, 0, crc, len(body), declared, len(encoded), 0)
    out = bytearray(head[:local_end]) + local + encoded + body
    directory = bytearray(
        head[
            stored.start_dir : stored.start_dir
            + sum(46 + len(i.filename.encode()) + len(i.extra) + len(i.comment) for i, _ in entries)
        ]
    )
    directory += (
        struct.pack(
            "<4sHHHHHHIIIHHHHHII",
            b"PK\x01\x02",
            20,
            20,
            0,
            8,
            0,
            0,
            crc,
            len(body),
            declared,
            len(encoded),
            0,
            0,
            0,
            0,
            0,
            offset,
        )
        + encoded
    )
    out += directory
    out += struct.pack(
        "<4sHHHHIIH",
        b"PK\x05\x06",
        0,
        0,
        len(entries) + 1,
        len(entries) + 1,
        len(directory),
        offset + len(local) + len(encoded) + len(body),
        0,
    )
    path.write_bytes(bytes(out))
    return path
