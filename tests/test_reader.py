"""The reader, driven as a user would with Textual's pilot: every key in the key table and every dialog."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import ASMOLOV, PROMA
from textual.command import CommandPalette

from tui.document import load_document, load_paths, load_paths_leniently
from tui.model import new_annotation
from tui.store import Store
from tui.ui.app import MarginaliaApp
from tui.ui.dialogs import ConfirmDialog, PromptDialog, ThemeDialog
from tui.ui.document_view import DocumentView
from tui.ui.help import HelpScreen
from tui.ui.panels import AnnotationsPanel, DocumentsPanel, ThemesPanel

TEXT = (
    "Alpha beta gamma. Delta epsilon zeta.\n"
    "\n"
    "Second paragraph here. It has two sentences.\n"
    "\n"
    "Third one with sanctions and more sanctions.\n"
)
OTHER = "Another text about sanctions.\n\nIt speaks of China too.\n"


@pytest.fixture
def docs(write_doc) -> list[Path]:
    return [write_doc("one.txt", TEXT), write_doc("two.txt", OTHER)]


def make_app(paths: list[Path], store_path: Path) -> MarginaliaApp:
    return MarginaliaApp(load_paths(paths), Store(store_path))


async def settle(pilot, app: MarginaliaApp) -> None:
    """Wait until the store workers are done (writes are asynchronous by design)."""
    for _ in range(3):  # a dialog's callback may start a worker a few cycles later
        await pilot.pause()
        await app.workers.wait_for_complete()
    await pilot.pause()


def view(app: MarginaliaApp, index: int = 0) -> DocumentView:
    return app.query_one(f"#view-{index}", DocumentView)


async def highlight(pilot, app: MarginaliaApp, themes: str, note: str = "") -> None:
    await pilot.press("h")
    assert isinstance(app.screen, ThemeDialog)
    await pilot.press(*themes)
    if note:
        await pilot.press("tab", *note)
    await pilot.press("enter")
    await settle(pilot, app)


async def test_first_pane_has_focus_and_tab_cycles(docs, store_path):
    app = make_app(docs, store_path)
    async with app.run_test(size=(120, 30)) as pilot:
        await pilot.pause()
        assert app.focused is view(app, 0)
        await pilot.press("tab")
        assert app.focused is view(app, 1)
        await pilot.press("tab")
        assert app.focused is view(app, 0)
        await pilot.press("shift+tab")
        assert app.focused is view(app, 1)


async def test_cursor_keys_move_and_scroll(write_doc, store_path):
    long = "\n".join(f"line {n} of the document" for n in range(200))
    app = make_app([write_doc("long.txt", long)], store_path)
    async with app.run_test(size=(80, 24)) as pilot:
        v = view(app)
        await pilot.press("j", "j")
        assert v.cursor == long.index("line 2")
        await pilot.press("k")
        assert v.cursor == long.index("line 1")
        await pilot.press("down", "up", "right", "right")
        assert v.cursor == long.index("line 1") + 2
        await pilot.press("left")
        assert v.cursor == long.index("line 1") + 1
        await pilot.press("end")
        assert v.cursor == long.index("\nline 2")
        await pilot.press("home")
        assert v.cursor == long.index("line 1")
        await pilot.press("pagedown")
        assert v.scroll_y > 10 and v.wrapped.row_of(v.cursor) > 10
        await pilot.press("pageup")
        assert v.scroll_y == 0
        await pilot.press("G")
        assert v.cursor == len(long) and v.scroll_y == v.max_scroll_y
        await pilot.press("g")
        assert v.cursor == 0 and v.scroll_y == 0


async def test_word_and_paragraph_motions(docs, store_path):
    app = make_app(docs, store_path)
    async with app.run_test(size=(120, 30)) as pilot:
        v = view(app)
        await pilot.press("w")
        assert v.cursor == TEXT.index("beta")
        await pilot.press("w", "w")
        assert v.cursor == TEXT.index(". Delta")
        await pilot.press("b")
        assert v.cursor == TEXT.index("gamma")
        await pilot.press("right_curly_bracket")
        assert v.cursor == TEXT.index("Second")
        await pilot.press("right_curly_bracket")
        assert v.cursor == TEXT.index("Third")
        await pilot.press("left_curly_bracket")
        assert v.cursor == TEXT.index("Second")


async def test_v_and_shift_select_and_escape_clears(docs, store_path):
    app = make_app(docs, store_path)
    async with app.run_test(size=(120, 30)) as pilot:
        v = view(app)
        await pilot.press("v", "w", "w")
        assert v.selection == (0, TEXT.index("gamma"))
        await pilot.press("escape")
        assert v.selection is None
        await pilot.press("shift+right", "shift+right", "shift+right")
        assert v.selection == (TEXT.index("gamma"), TEXT.index("gamma") + 3)
        await pilot.press("right")
        assert v.selection is None


async def test_mouse_drag_selects_within_one_pane(docs, store_path):
    app = make_app(docs, store_path)
    async with app.run_test(size=(120, 30)) as pilot:
        v = view(app, 1)
        await pilot.mouse_down(v, offset=(0, 0))
        await pilot.hover(v, offset=(7, 0))
        await pilot.mouse_up(v, offset=(7, 0))
        assert app.focused is v
        assert v.selection == (0, 7)
        assert OTHER[slice(*v.selection)] == "Another"
        assert view(app, 0).selection is None


async def test_search_selects_match_and_n_N_step(docs, store_path):
    app = make_app(docs, store_path)
    async with app.run_test(size=(120, 30)) as pilot:
        v = view(app)
        await pilot.press("slash", *"sanctions", "enter")
        first = TEXT.index("sanctions")
        second = TEXT.index("sanctions", first + 1)
        assert v.selection == (first, first + 9)
        assert app.focused is v
        await pilot.press("n")
        assert v.selection == (second, second + 9)
        await pilot.press("n")  # wraps around
        assert v.selection == (first, first + 9)
        await pilot.press("N")
        assert v.selection == (second, second + 9)


async def test_search_with_no_match_says_so(docs, store_path):
    app = make_app(docs, store_path)
    async with app.run_test(size=(120, 30)) as pilot:
        await pilot.press("slash", *"zzz", "enter")
        await settle(pilot, app)  # under load the notice can come a cycle after the key
        assert any("No match" in n.message for n in app._notifications)
        assert view(app).selection is None


async def test_highlight_selection_with_themes_and_note(docs, store_path):
    app = make_app(docs, store_path)
    async with app.run_test(size=(120, 30)) as pilot:
        await pilot.press("slash", *"sanctions", "enter")
        await highlight(pilot, app, "Sanctions, arms", "first mention")
        [saved] = Store(store_path).annotations()
        start = TEXT.index("sanctions")
        assert (saved.start, saved.end, saved.quote) == (start, start + 9, "sanctions")
        assert saved.themes == ["Sanctions", "arms"] and saved.note == "first mention"
        assert view(app).annotation_at(start).id == saved.id
        assert any("saved" in n.message.lower() for n in app._notifications)


async def test_highlight_without_selection_takes_the_sentence(docs, store_path):
    app = make_app(docs, store_path)
    async with app.run_test(size=(120, 30)) as pilot:
        view(app).move_to(TEXT.index("epsilon"))
        await highlight(pilot, app, "greek")
        [saved] = Store(store_path).annotations()
        assert saved.quote == "Delta epsilon zeta."


async def test_escape_cancels_the_theme_dialog(docs, store_path):
    app = make_app(docs, store_path)
    async with app.run_test(size=(120, 30)) as pilot:
        await pilot.press("h", *"nothing", "escape")
        await settle(pilot, app)
        assert not isinstance(app.screen, ThemeDialog)
        assert Store(store_path).annotations() == []


async def test_theme_dialog_completes_existing_themes(docs, store_path):
    store = Store(store_path)
    document = load_document(docs[0])
    store.add(new_annotation(document, 0, 5, ["China's role"]))
    app = MarginaliaApp(load_paths(docs), store)
    async with app.run_test(size=(120, 30)) as pilot:
        view(app).move_to(TEXT.index("Second"))
        await pilot.press("h", *"chi")
        await pilot.pause()
        field = app.screen.query_one("#themes")
        assert field._suggestion.casefold() == "china's role"  # the typed prefix is kept; the store's spelling wins
        await pilot.press("right", "enter")  # right accepts the suggestion
        await settle(pilot, app)
        assert [a.themes for a in Store(store_path).annotations()] == [["China's role"], ["China's role"]]


async def test_jump_between_highlights(docs, store_path):
    store = Store(store_path)
    document = load_document(docs[0])
    first, second = TEXT.index("beta"), TEXT.index("Second")
    store.add(new_annotation(document, second, second + 6, ["b"]))
    store.add(new_annotation(document, first, first + 4, ["a"]))
    app = MarginaliaApp(load_paths(docs), store)
    async with app.run_test(size=(120, 30)) as pilot:
        v = view(app)
        await pilot.press("right_square_bracket")
        assert v.cursor == first
        await pilot.press("right_square_bracket")
        assert v.cursor == second
        await pilot.press("right_square_bracket")
        assert v.cursor == second
        await pilot.press("left_square_bracket")
        assert v.cursor == first


async def test_edit_themes_and_note(docs, store_path):
    store = Store(store_path)
    start = TEXT.index("beta")
    store.add(new_annotation(load_document(docs[0]), start, start + 4, ["old"], "old note"))
    app = MarginaliaApp(load_paths(docs), store)
    async with app.run_test(size=(120, 30)) as pilot:
        view(app).move_to(start + 1)
        await pilot.press("e")
        dialog = app.screen
        assert isinstance(dialog, ThemeDialog)
        assert dialog.query_one("#themes").value == "old"
        assert dialog.query_one("#note").value == "old note"
        dialog.query_one("#themes").value = "new, other"
        await pilot.press("tab", "ctrl+u", *"new note", "enter")
        await settle(pilot, app)
        [saved] = Store(store_path).annotations()
        assert saved.themes == ["new", "other"] and saved.note == "new note" and saved.rev == 2


async def test_edit_conflict_with_another_process_is_reported(docs, store_path):
    store = Store(store_path)
    start = TEXT.index("beta")
    made = store.add(new_annotation(load_document(docs[0]), start, start + 4, ["old"]))
    app = MarginaliaApp(load_paths(docs), store)
    async with app.run_test(size=(120, 30)) as pilot:
        view(app).move_to(start)
        await pilot.press("e")
        Store(store_path).update(made.id, note="changed elsewhere")  # meanwhile, another instance
        await pilot.press("tab", *"mine", "enter")
        await settle(pilot, app)
        assert Store(store_path).get(made.id).note == "changed elsewhere"
        assert any("changed elsewhere" in n.message for n in app._notifications)


async def test_delete_undo_redo(docs, store_path):
    store = Store(store_path)
    start = TEXT.index("beta")
    made = store.add(new_annotation(load_document(docs[0]), start, start + 4, ["t"], "n"))
    app = MarginaliaApp(load_paths(docs), store)
    async with app.run_test(size=(120, 30)) as pilot:
        view(app).move_to(start)
        await pilot.press("d")
        await settle(pilot, app)
        assert Store(store_path).annotations() == []
        assert view(app).annotation_at(start) is None
        await pilot.press("u")
        await settle(pilot, app)
        [back] = Store(store_path).annotations()
        assert (back.id, back.start, back.themes, back.note) == (made.id, start, ["t"], "n")
        assert view(app).annotation_at(start).id == made.id
        await pilot.press("ctrl+r")
        await settle(pilot, app)
        assert Store(store_path).annotations() == []


async def test_undo_redo_create_and_edit(docs, store_path):
    app = make_app(docs, store_path)
    async with app.run_test(size=(120, 30)) as pilot:
        await pilot.press("v", "w")
        await highlight(pilot, app, "first")
        await pilot.press("e", "ctrl+u", *"second", "enter")
        await settle(pilot, app)
        assert Store(store_path).annotations()[0].themes == ["second"]
        await pilot.press("u")
        await settle(pilot, app)
        assert Store(store_path).annotations()[0].themes == ["first"]
        await pilot.press("u")
        await settle(pilot, app)
        assert Store(store_path).annotations() == []
        await pilot.press("ctrl+r", "ctrl+r")
        await settle(pilot, app)
        assert Store(store_path).annotations()[0].themes == ["second"]


def two_themes(docs, store_path) -> Store:
    store = Store(store_path)
    document = load_document(docs[0])
    store.add(new_annotation(document, 0, 5, ["arms"]))
    store.add(new_annotation(document, 6, 10, ["weapons", "people"]))
    return store


async def test_themes_panel_rename_and_undo(docs, store_path):
    app = MarginaliaApp(load_paths(docs), two_themes(docs, store_path))
    async with app.run_test(size=(120, 30)) as pilot:
        await pilot.press("t")
        assert isinstance(app.screen, ThemesPanel)
        await pilot.press("r")  # the first row: "arms"
        assert isinstance(app.screen, PromptDialog)
        await pilot.press("ctrl+u", *"arms trade", "enter")
        await settle(pilot, app)
        assert [t.name for t in Store(store_path).themes()] == ["arms trade", "people", "weapons"]
        assert Store(store_path).annotations()[0].themes == ["arms trade"]
        await pilot.press("escape")
        await pilot.press("u")
        await settle(pilot, app)
        assert [t.name for t in Store(store_path).themes()] == ["arms", "people", "weapons"]
        assert Store(store_path).annotations()[0].themes == ["arms"]


async def test_themes_panel_merge_and_undo(docs, store_path):
    store = two_themes(docs, store_path)
    colours = {t.name: t.colour for t in store.themes()}
    app = MarginaliaApp(load_paths(docs), store)
    async with app.run_test(size=(120, 30)) as pilot:
        await pilot.press("t", "down", "down")  # "weapons"
        await pilot.press("m", *"arms", "enter")
        await settle(pilot, app)
        assert [a.themes for a in Store(store_path).annotations()] == [["arms"], ["arms", "people"]]
        assert [t.name for t in Store(store_path).themes()] == ["arms", "people"]
        await pilot.press("escape", "u")
        await settle(pilot, app)
        assert [a.themes for a in Store(store_path).annotations()] == [["arms"], ["weapons", "people"]]
        assert {t.name: t.colour for t in Store(store_path).themes()} == colours


async def test_themes_panel_recolour_describe_delete(docs, store_path):
    app = MarginaliaApp(load_paths(docs), two_themes(docs, store_path))
    async with app.run_test(size=(120, 30)) as pilot:
        await pilot.press("t", "c", "ctrl+u", *"#123456", "enter")
        await settle(pilot, app)
        assert Store(store_path).theme("arms").colour == "#123456"
        await pilot.press("D", *"guns and such", "enter")
        await settle(pilot, app)
        assert Store(store_path).theme("arms").description == "guns and such"
        await pilot.press("d")
        assert isinstance(app.screen, ConfirmDialog)
        await pilot.press("y")
        await settle(pilot, app)
        assert [t.name for t in Store(store_path).themes()] == ["people", "weapons"]
        assert [a.themes for a in Store(store_path).annotations()] == [[], ["weapons", "people"]]


async def test_annotations_panel_filters_and_jumps(docs, store_path):
    store = Store(store_path)
    one, two = load_document(docs[0]), load_document(docs[1])
    target = TEXT.index("Third")
    store.add(new_annotation(one, 0, 5, ["arms"], "alpha note"))
    store.add(new_annotation(one, target, target + 5, ["sanctions"]))
    store.add(new_annotation(two, 0, 7, ["sanctions"]))
    app = MarginaliaApp(load_paths(docs), store)
    async with app.run_test(size=(120, 30)) as pilot:
        await pilot.press("a")
        panel = app.screen
        assert isinstance(panel, AnnotationsPanel)
        assert [a.quote for a in panel.shown()] == ["Alpha", "Third"]  # the focused document's
        await pilot.press("ctrl+a")
        assert len(panel.shown()) == 3
        panel.query_one("#filter").value = "sanctions"
        await pilot.pause()
        assert [a.quote for a in panel.shown()] == ["Third", "Another"]
        await pilot.press("ctrl+a")
        panel.query_one("#list").focus()
        await pilot.press("enter")
        await pilot.pause()
        assert not isinstance(app.screen, AnnotationsPanel)
        assert view(app).cursor == target


async def test_synchronised_scrolling(write_doc, store_path):
    long = "\n".join(f"row {n}" for n in range(300))
    paths = [write_doc("a.txt", long), write_doc("b.txt", long + "\n" + long)]
    app = make_app(paths, store_path)
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.press("pagedown")
        assert view(app, 1).scroll_y == 0
        await pilot.press("s", "G")
        await pilot.pause()
        assert view(app, 1).scroll_y == view(app, 1).max_scroll_y
        await pilot.press("s", "g")
        await pilot.pause()
        assert view(app, 1).scroll_y == view(app, 1).max_scroll_y


async def test_help_and_command_palette(docs, store_path):
    app = make_app(docs, store_path)
    async with app.run_test(size=(120, 30)) as pilot:
        await pilot.press("question_mark")
        await pilot.pause()
        assert isinstance(app.screen, HelpScreen)
        await pilot.press("question_mark")
        await pilot.pause()
        assert not isinstance(app.screen, HelpScreen)
        await pilot.press("ctrl+p")
        await pilot.pause()
        assert isinstance(app.screen, CommandPalette)
        await pilot.press(*"themes", "enter")
        await pilot.pause()
        await pilot.pause()
        assert isinstance(app.screen, ThemesPanel)


async def test_quit(docs, store_path):
    app = make_app(docs, store_path)
    async with app.run_test(size=(120, 30)) as pilot:
        await pilot.press("q")
        await pilot.pause()
        assert not app.is_running


async def test_changes_by_another_process_appear(docs, store_path):
    app = make_app(docs, store_path)
    async with app.run_test(size=(120, 30)) as pilot:
        Store(store_path).add(new_annotation(load_document(docs[0]), 0, 5, ["elsewhere"]))
        await pilot.pause(2.0)
        await settle(pilot, app)
        assert view(app).annotation_at(2) is not None
        assert "1 highlight" in str(app.query_one("#pane-0 TitleBar").render())


async def test_more_than_three_documents_and_the_documents_list(write_doc, store_path):
    paths = [write_doc(f"d{n}.txt", f"Document {n}\n") for n in range(5)]
    app = make_app(paths, store_path)
    async with app.run_test(size=(160, 30)) as pilot:
        assert len(app.views) == 3
        await pilot.press("o")
        panel = app.screen
        assert isinstance(panel, DocumentsPanel)
        from textual.widgets import SelectionList

        chooser = panel.query_one(SelectionList)
        chooser.deselect_all()
        chooser.select(4)
        chooser.select(1)
        await pilot.press("enter")
        await pilot.pause()
        await pilot.pause()
        assert [v.document.title for v in app.views] == ["Document 1", "Document 4"]


async def test_narrow_terminal_stacks_panes(docs, store_path):
    app = make_app(docs, store_path)
    async with app.run_test(size=(69, 24)) as pilot:  # tests/test_narrow.py: the screen at 69, 70 and 80
        await pilot.pause()
        assert app.query_one("#panes").has_class("-stacked")
        await pilot.resize_terminal(120, 24)
        await pilot.pause()
        assert not app.query_one("#panes").has_class("-stacked")


async def test_unreadable_documents_are_reported_not_fatal(write_doc, store_path, tmp_path):
    good = write_doc("good.txt", "fine\n")
    binary = write_doc("bin.dat", b"\x00\x01\x02\x03" * 50)
    documents, problems = load_paths_leniently([good, binary, tmp_path / "missing.txt"], None)
    assert [d.title for d in documents] == ["fine"]
    assert len(problems) == 2 and "missing.txt" in problems[1]
    app = MarginaliaApp(documents, Store(store_path), problems)
    async with app.run_test(size=(120, 30)) as pilot:
        await pilot.pause()
        assert [n.message for n in app._notifications] == problems


async def test_hostile_text_never_reaches_the_terminal(write_doc, store_path):
    hostile = (
        "A \x1b[2J title\n\x1b]52;c;ZXZpbA==\x07 [link=http://x]click[/link] [@click=app.quit]q[/] \u202eevil\x9b\n"
    )
    app = make_app([write_doc("hostile.txt", hostile)], store_path)
    async with app.run_test(size=(100, 20)) as pilot:
        await pilot.pause()
        v = view(app)
        rendered = "".join(seg.text for y in range(3) for seg in v.render_line(y))
        assert not any(ord(ch) < 32 or 0x7F <= ord(ch) <= 0x9F or ch == "\u202e" for ch in rendered)
        assert "[link=http://x]click[/link]" in rendered and "[@click=app.quit]" in rendered
        title = str(app.query_one("#pane-0 TitleBar").render())
        assert "␛[2J" in title
        await pilot.press("v", "G")
        await highlight(pilot, app, "[bold]odd[/bold]", "[@click=app.quit]")
        assert app.is_running
        [saved] = Store(store_path).annotations()
        assert saved.themes == ["[bold]odd[/bold]"] and saved.note == "[@click=app.quit]"
        await pilot.press("a")
        await pilot.pause()
        assert app.is_running


async def test_control_codes_in_a_hand_edited_store_are_shown_as_placeholders(docs, store_path):
    store = Store(store_path)
    store.add(new_annotation(load_document(docs[0]), 0, 5, ["evil\x1b[2Jtheme"], "note\x1b]52;c;eA==\x07"))
    app = MarginaliaApp(load_paths(docs), store)
    async with app.run_test(size=(120, 30)) as pilot:
        await pilot.press("a")
        await pilot.pause()
        panel_text = str(app.screen.query_one("#list").get_option_at_index(0).prompt)
        assert "\x1b" not in panel_text and "␛[2J" in panel_text and "␇" in panel_text
        await pilot.press("escape", "t")
        await pilot.pause()
        cells = [str(c) for c in app.screen.query_one("DataTable").get_row_at(0)]
        assert not any("\x1b" in c for c in cells) and any("␛[2J" in c for c in cells)
        app.notify("saved evil\x1b[2J [@click=app.quit]x[/]")
        await pilot.pause()
        assert app._notifications and "\x1b" not in list(app._notifications)[-1].message
        assert app.is_running


async def test_wide_characters_and_tabs_map_clicks_to_offsets(write_doc, store_path):
    text = "漢字\tab 😀 end\n"
    app = make_app([write_doc("wide.txt", text)], store_path)
    async with app.run_test(size=(60, 10)) as pilot:
        v = view(app)
        # cells: 漢 0-1, 字 2-3, tab 4-7, a 8, b 9, space 10, 😀 11-12, space 13, e 14
        for column, expected in [(0, 0), (1, 0), (2, 1), (5, 2), (8, 3), (12, 6), (14, 8)]:
            await pilot.click(v, offset=(column, 0))
            assert v.cursor == expected, (column, v.cursor)


async def test_seeds_open_side_by_side_and_krivoruchko_example(store_path):
    app = MarginaliaApp(load_paths([ASMOLOV, PROMA]), Store(store_path))
    async with app.run_test(size=(160, 45)) as pilot:
        assert [v.document.path.name for v in app.views] == [ASMOLOV.name, PROMA.name]
        await pilot.press("slash", *"Krivoruchko", "enter", "h", *"people", "enter")
        await settle(pilot, app)
        [saved] = Store(store_path).annotations()
        assert saved.quote == "Krivoruchko" and saved.themes == ["people"]
        text = ASMOLOV.read_text(encoding="utf-8")
        assert text[saved.start : saved.end] == "Krivoruchko"


@pytest.mark.parametrize("theme", ["textual-dark", "textual-light"])
async def test_highlights_stay_legible_in_light_and_dark_themes(docs, store_path, theme):
    store = Store(store_path)
    store.add(new_annotation(load_document(docs[0]), 6, 10, ["arms"]))
    app = MarginaliaApp(load_paths(docs), store)
    async with app.run_test(size=(120, 30)) as pilot:
        app.theme = theme
        await pilot.pause()
        view(app).move_to(30)
        segments = [s for s in view(app).render_line(0) if s.text == "beta"]
        assert segments, "the highlight is drawn as its own run"
        style = segments[0].style
        assert style.bgcolor.name.upper() == store.theme("arms").colour.lower().upper()
        assert style.color.triplet.hex == "#000000"  # dark text on the light palette in every app theme


async def test_export_dialog_writes_markdown_and_asks_before_overwriting(docs, store_path, tmp_path):
    from tui.ui.export_dialog import ExportDialog

    store = Store(store_path)
    store.add(new_annotation(load_document(docs[0]), 6, 10, ["arms"], "a note"))
    target = tmp_path / "out" / "notes.md"
    target.parent.mkdir()
    app = MarginaliaApp(load_paths(docs), store)
    async with app.run_test(size=(120, 30)) as pilot:
        await pilot.press("x")
        dialog = app.screen
        assert isinstance(dialog, ExportDialog)
        dialog.query_one("#file").value = str(target)
        await pilot.press("enter")
        await settle(pilot, app)
        text = target.read_text(encoding="utf-8")
        assert "beta" in text and "arms" in text and "a note" in text
        assert any(str(target) in n.message for n in app._notifications)
        target.write_text("keep me", encoding="utf-8")
        await pilot.press("x")
        app.screen.query_one("#file").value = str(target)
        await pilot.press("enter")
        assert isinstance(app.screen, ConfirmDialog)
        await pilot.press("n")
        await settle(pilot, app)
        assert target.read_text(encoding="utf-8") == "keep me"
        await pilot.press("enter")
        await pilot.press("y")
        await settle(pilot, app)
        assert "beta" in target.read_text(encoding="utf-8")


async def test_edited_document_shows_fuzzy_and_orphan_and_reattaches(write_doc, store_path):
    path = write_doc("draft.txt", TEXT)
    store = Store(store_path)
    original = load_document(path)
    kept = TEXT.index("Second paragraph")
    store.add(new_annotation(original, kept, kept + len("Second paragraph"), ["kept"]))
    fuzzy = TEXT.index("Delta epsilon zeta.")
    store.add(new_annotation(original, fuzzy, fuzzy + len("Delta epsilon zeta."), ["fuzzy"]))
    store.add(new_annotation(original, TEXT.index("Third"), TEXT.index("Third") + 5, ["lost"]))
    edited = "New first line.\n" + TEXT.replace("Delta epsilon zeta.", "Delta epsilon zeta!").replace("Third", "Fourth")
    path.write_text(edited, encoding="utf-8")
    app = MarginaliaApp(load_paths([path]), store)
    async with app.run_test(size=(120, 30)) as pilot:
        await settle(pilot, app)
        by_theme = {a.themes[0]: a for a in Store(store_path).annotations()}
        assert by_theme["kept"].status == "moved" and edited[by_theme["kept"].start :].startswith("Second paragraph")
        assert by_theme["fuzzy"].status == "fuzzy" and by_theme["fuzzy"].score is not None
        assert by_theme["lost"].status == "orphan"
        assert any("re-anchored" in n.message for n in app._notifications)
        row = view(app).wrapped.row_of(by_theme["fuzzy"].start)
        fuzzy_runs = [s for s in view(app).render_line(row) if s.style and s.style.italic and s.style.bgcolor]
        assert fuzzy_runs, "a fuzzy highlight is drawn visibly different (italic)"
        # select "Fourth" and re-attach the orphan to it from the annotations panel
        start = edited.index("Fourth")
        view(app).select(start, start + 6)
        await pilot.press("a")
        panel = app.screen
        assert [a.status for a in panel.shown()][-1] == "orphan"
        panel.query_one("#list").highlighted = len(panel.shown()) - 1
        await pilot.press("ctrl+t")
        await settle(pilot, app)
        fixed = Store(store_path).get(by_theme["lost"].id)
        assert (fixed.status, fixed.quote, fixed.start) == ("anchored", "Fourth", start)
        await pilot.press("u")
        await settle(pilot, app)
        assert Store(store_path).get(by_theme["lost"].id).status == "orphan"


async def test_escape_closes_the_search_bar(docs, store_path):
    app = make_app(docs, store_path)
    async with app.run_test(size=(120, 30)) as pilot:
        await pilot.press("slash", *"beta")
        assert app.query_one("#search").has_class("-shown")
        await pilot.press("escape")
        assert not app.query_one("#search").has_class("-shown")
        assert app.focused is view(app)
        assert view(app).selection is None
