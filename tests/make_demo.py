"""The files of issue 14's scenario, for trying the reader by hand: a PDF report, a saved web page, an EPUB and a
Word interview, made by ``makedocs`` like the tests' own.

    python tests/make_demo.py FOLDER    # then: marginalia FOLDER/report.pdf FOLDER/page.html FOLDER/book.epub ...
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from makedocs import make_docx, make_epub, make_html, make_pdf


def main(folder: Path, pages: int = 12) -> list[Path]:
    folder.mkdir(parents=True, exist_ok=True)
    return [
        make_pdf(folder / "report.pdf", pages=pages, paragraphs=4, labels=False),
        make_html(folder / "page.html"),
        make_epub(folder / "book.epub"),
        make_docx(folder / "interview.docx"),
    ]


if __name__ == "__main__":
    for made in main(Path(sys.argv[1] if len(sys.argv) > 1 else "."), int(sys.argv[2]) if len(sys.argv) > 2 else 12):
        print(made)
