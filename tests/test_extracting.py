"""A long source is extracted without holding anything up: the reader opens at once, the pane shows how far the
extraction has gone while the other panes take keys, and the text replaces the progress when it is ready; the
CLI shows its progress on stderr only when stderr is a terminal."""

from __future__ import annotations

import re
import shutil
import time
from pathlib import Path

import pytest
from makedocs import make_encrypted_pdf, make_pdf, make_scanned_pdf
from screen import screen

import tui.extracting as extracting_module
from tui.document import DocumentError, PendingDocument, load_document, load_paths
from tui.formats import snapshot
from tui.model import new_annotation
from tui.store import Store
from tui.ui.app import MarginaliaApp
from tui.ui.pane import ExtractingPane, Pane
from tui.wording import extracting

PATIENCE = 120  # seconds: a spawned process and pdfminer.six on a loaded 2-core machine


async def _until_extracted(app: MarginaliaApp, pilot, on_the_way=lambda: None) -> None:
    deadline = time.monotonic() + PATIENCE
    while app.query(ExtractingPane):
        assert time.monotonic() < deadline, "the extraction did not finish"
        on_the_way()
        await pilot.pause(0.02)
    await pilot.pause()


def test_the_reader_defers_a_file_without_a_snapshot_and_checks_it_first(tmp_path: Path) -> None:
    pdf = make_pdf(tmp_path / "report.pdf", pages=1)
    pending = load_document(pdf, defer=True)
    assert isinstance(pending, PendingDocument) and pending.text == "" and pending.title == "report.pdf"
    assert not snapshot.folder().exists()  # nothing extracted, nothing saved
    load_document(pdf)  # once it has a snapshot, it opens from it at once
    assert not isinstance(load_document(pdf, defer=True), PendingDocument)
    for bad, message in [
        (make_scanned_pdf(tmp_path / "scan.pdf"), "no text layer; run OCR first, e.g. ocrmypdf"),
        (make_encrypted_pdf(tmp_path / "locked.pdf"), "encrypted PDF: give its password with --password"),
    ]:
        with pytest.raises(DocumentError, match=re.escape(message)):
            load_document(bad, defer=True)
    assert extracting("report.pdf", "pdf", 37, 300) == "Extracting report.pdf: page 37 of 300"
    assert extracting("book.epub", "epub", 2, 9) == "Extracting book.epub: chapter 2 of 9"


async def test_extraction_shows_progress_in_its_pane_while_the_other_pane_takes_keys(
    tmp_path: Path, write_doc, store_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    real_extract_apart = extracting_module.extract_apart

    def paced(pending, progress=None, cancelled=lambda: False):  # type: ignore[no-untyped-def]
        """The real child process, its progress followed a little slower: on an idle machine 30 pages are
        extracted before the test has looked twice."""

        def slowly(done: int, total: int) -> None:
            assert progress is not None
            progress(done, total)
            time.sleep(0.05)

        return real_extract_apart(pending, slowly if progress else None, cancelled)

    monkeypatch.setattr(extracting_module, "extract_apart", paced)  # the app imports it as it extracts
    pdf = make_pdf(tmp_path / "report.pdf", pages=30, paragraphs=4)
    notes = write_doc("notes.txt", "".join(f"Line {n} of the notes.\n" for n in range(5000)))  # more lines than keys
    documents = load_paths([pdf, notes], defer=True)
    app = MarginaliaApp(documents, Store(store_path))
    seen: set[str] = set()
    moved_while_extracting = []
    async with app.run_test(size=(120, 30)) as pilot:
        await pilot.pause()
        assert isinstance(app.focused, type(app.views[0])) and app.views[0].document is documents[1]

        def look() -> None:
            rows = screen(app).rows
            seen.update(m.group() for row in rows for m in re.finditer(r"Extracting report\.pdf[^│]*?(?=\s*│)", row))

        async def type_in_the_notes() -> None:
            before = app.views[0].cursor
            await pilot.press("down")
            if app.query(ExtractingPane):  # the key was handled while the extraction still ran
                moved_while_extracting.append(app.views[0].cursor > before)

        deadline = time.monotonic() + PATIENCE
        while app.query(ExtractingPane):
            assert time.monotonic() < deadline, "the extraction did not finish"
            look()
            await type_in_the_notes()
            await pilot.pause(0.02)
        await pilot.pause()
        assert any(re.fullmatch(r"Extracting report\.pdf: page \d+ of 30", s) for s in seen), seen
        assert moved_while_extracting and all(moved_while_extracting)
        pane = app.query_one("#pane-0", Pane)  # the text in the progress's place, left of the notes
        assert [p.id for p in app.query("#panes > *")] == ["pane-0", "pane-1"]
        rows = "\n".join(screen(app).rows)
        assert "Paragraph 1 of page 1 begins here." in rows and "Extracting" not in rows
        assert "Asmolov, Shoigu in Pyongyang" in rows
        assert pane.document.pages[:2] == [(0, "1"), (pane.document.text.index("Paragraph 1 of page 2"), "2")]
        assert app.documents[0] is pane.document and not isinstance(pane.document, PendingDocument)
        assert app.focused is app.views[1]  # the notes keep the focus
    assert snapshot.folder().is_dir() and len(list(snapshot.folder().glob("*.json"))) == 1


async def test_a_document_being_extracted_keeps_its_annotations(tmp_path: Path, store_path: Path) -> None:
    """Its annotations are never re-anchored against the empty text it has meanwhile: once extracted again
    they are where they were, and shown."""
    pdf = make_pdf(tmp_path / "report.pdf", pages=2)
    document = load_document(pdf)
    start = document.text.index("Paragraph 2 of page 2")
    store = Store(store_path)
    made = store.add(new_annotation(document, start, start + 21, ["evidence"]))
    for saved in snapshot.folder().glob("*.json"):
        saved.unlink()  # as if the snapshot were lost: the reader must extract it again
    documents = load_paths([pdf], defer=True)
    assert isinstance(documents[0], PendingDocument)
    app = MarginaliaApp(documents, store)
    async with app.run_test(size=(100, 30)) as pilot:
        await _until_extracted(app, pilot)
        assert store.get(made.id).status == "anchored" and (store.get(made.id).start, store.get(made.id).end) == (
            made.start,
            made.end,
        )
        assert app.views[0].annotation_count == 1
        assert app.focused is app.views[0]  # nothing else could take keys: the document does now
        assert "1 highlight" in screen(app).rows[1]


async def test_a_failed_extraction_says_why_in_its_pane(tmp_path: Path, write_doc, store_path: Path) -> None:
    pdf = make_pdf(tmp_path / "report.pdf", pages=1)
    notes = write_doc("notes.txt", "Some notes.\n")
    documents = load_paths([pdf, notes], defer=True)
    pdf.unlink()  # gone before the extraction could read it
    app = MarginaliaApp(documents, Store(store_path))
    async with app.run_test(size=(100, 30)) as pilot:
        deadline = time.monotonic() + PATIENCE
        while not app.query_one(ExtractingPane).has_class("-failed"):
            assert time.monotonic() < deadline
            await pilot.pause(0.05)
        await pilot.pause()
        rows = "\n".join(screen(app).rows)
        assert "no such file" in rows  # the message (wrapped in the pane: it starts with the whole path)
        assert app.focused is app.views[0] and app.views[0].document is documents[1]


def test_read_refuses_what_the_check_finds_with_exit_1(cli, tmp_path: Path, store_path: Path) -> None:
    locked = make_encrypted_pdf(tmp_path / "locked.pdf")
    result = cli("read", locked, "--store", store_path)
    assert result.code == 1 and result.err.endswith("encrypted PDF: give its password with --password\n")
    assert not (store_path.parent / "snapshots").exists()


def test_cli_progress_goes_to_stderr_only_when_it_is_a_terminal(cli, tmp_path: Path, store_path: Path) -> None:
    pdf = make_pdf(tmp_path / "report.pdf", pages=3)
    piped = cli("tag", pdf, "--match", "Paragraph 1 of page 3", "--theme", "t", "--store", store_path)
    assert piped.code == 0 and piped.err == ""  # a pipe or a log gets no progress


@pytest.mark.skipif(shutil.which("tmux") is None, reason="a real terminal needs tmux")
def test_in_a_real_terminal_progress_shows_in_the_pane_and_on_the_cli_stderr(tmp_path: Path) -> None:
    """The installed command in tmux: the reader shows the extraction's progress in the PDF's pane while the
    text file's pane is there to read, then the PDF's text; ``tag`` on a terminal shows its progress on stderr."""
    from test_terminal import Terminal, console_script

    pdf = make_pdf(tmp_path / "report.pdf", pages=40, paragraphs=3)
    notes = tmp_path / "notes.txt"
    notes.write_text("Notes beside the report.\n", encoding="utf-8")
    reader = Terminal([console_script(), str(pdf), str(notes)], 160, 30)  # COLUMNS is 160 in the tests
    try:
        reader.wait(lambda: re.search(r"Extracting report\.pdf: page \d+ of 40", reader.text()) is not None,
                    "the progress in the pane", timeout=PATIENCE)  # fmt: skip
        assert "Notes beside the report." in reader.text()
        reader.wait(lambda: "Paragraph 1 of page 1 begins here." in reader.text(), "the text", timeout=PATIENCE)
        assert "Extracting" not in reader.text() and "Asmolov, Shoigu in Pyongyang" in reader.text()
    finally:
        reader.close()
    other = make_pdf(tmp_path / "other.pdf", pages=3)
    script = f"{console_script()} tag {other} --match 'Paragraph 1 of page 3' --theme t; sleep 30"
    cli = Terminal(["sh", "-c", script], 160, 10)
    try:
        cli.wait(lambda: "created 1 highlight" in cli.text(), "the tag command", timeout=PATIENCE)
        assert "marginalia: extracting text: 3/3" in cli.text()
    finally:
        cli.close()
