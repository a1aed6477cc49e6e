"""The themes and annotations panels as the reader sees them: where the cursor is after a change, what a question
says when the answer is wrong, and every column and passage at 80 columns."""

from __future__ import annotations

import pytest
from rich.cells import cell_len
from screen import Shot, burst, component_background, screen
from test_reader import settle

from tui.document import load_document, load_paths
from tui.model import new_annotation
from tui.store import Store
from tui.ui.app import MarginaliaApp
from tui.ui.dialogs import PromptDialog
from tui.ui.document_view import DocumentView
from tui.ui.panels import AnnotationsPanel, ThemesPanel

TEXT = "Alpha beta gamma. Delta epsilon zeta.\n\nSecond paragraph here. It has two sentences.\n"
OTHER = "Another text about sanctions.\n\nIt speaks of China too.\n"
THEMES = ["arms", "China's role", "people", "sanctions", "weapons"]


@pytest.fixture
def themed(write_doc, store_path) -> MarginaliaApp:
    """Two documents and five themes, each on a passage; "people" has a description."""
    paths = [write_doc("one.txt", TEXT), write_doc("two.txt", OTHER)]
    store = Store(store_path)
    document = load_document(paths[0])
    for n, theme in enumerate(THEMES):
        store.add(new_annotation(document, n * 3, n * 3 + 2, [theme]))
    store.describe_theme("people", "who acts, by name")
    return MarginaliaApp(load_paths(paths), store)


def cursor_row(app: MarginaliaApp) -> str:
    """The text of the table row drawn with the cursor's background."""
    table = app.screen.query_one("DataTable")
    cursor = component_background(table, "datatable--cursor")
    shot = screen(app)
    rows = [row for row, cells in zip(shot.rows, shot.cells) if any(c.background == cursor for c in cells[4:])]
    assert len(rows) == 1, f"one row has the cursor:\n{shot.text}"
    return rows[0]


async def open_themes(pilot, app: MarginaliaApp, row: str) -> ThemesPanel:
    await pilot.press("t")
    panel = app.screen
    assert isinstance(panel, ThemesPanel)
    while row not in cursor_row(app):
        await pilot.press("down")
    return panel


@pytest.mark.parametrize(
    "keys, stays_on",
    [
        (["D", "end", *" and their titles", "enter"], "people"),
        (["c", "ctrl+u", *"#123456", "enter"], "people"),
        (["r", "ctrl+u", *"actors", "enter"], "actors"),  # sorts first now
        (["m", *"wea", "right", "enter"], "weapons"),  # the suggester completed "weapons"
    ],
    ids=["describe", "recolour", "rename", "merge"],
)
async def test_the_cursor_stays_on_the_theme_after_a_change(themed, store_path, keys, stays_on):
    async with themed.run_test(size=(120, 30)) as pilot:
        panel = await open_themes(pilot, themed, "people")
        await pilot.press(*keys)
        await settle(pilot, themed)
        assert themed.screen is panel, "the panel stays open"
        row = cursor_row(themed)
        assert stays_on in row
        assert stays_on in [t.name for t in Store(store_path).themes()]
        if keys[0] == "D":
            assert "who acts, by name and their titles" in row


async def test_the_merge_prompt_completes_theme_names(themed):
    async with themed.run_test(size=(120, 30)) as pilot:
        await open_themes(pilot, themed, "people")
        await pilot.press("m", *"sa")
        await pilot.pause()
        prompt = themed.screen
        assert isinstance(prompt, PromptDialog)
        field = prompt.query_one("Input")
        assert field._suggestion == "sanctions"
        assert "sanctions" in screen(themed).text  # the completion is drawn in the field
        await pilot.press("ctrl+u", *"peo")
        await pilot.pause()
        assert field._suggestion == "", "the theme itself is not offered"


async def test_an_invalid_colour_keeps_the_question_and_the_panel_open(themed, store_path):
    async with themed.run_test(size=(120, 30)) as pilot:
        panel = await open_themes(pilot, themed, "people")
        colour = Store(store_path).theme("people").colour
        await burst(pilot, "c", "ctrl+u", *"green", "enter")  # typed at once, as a fast typist does
        await settle(pilot, themed)
        assert isinstance(themed.screen, PromptDialog)
        assert panel in themed.screen_stack
        shot = screen(themed)
        shot.find("colour 'green' is not #rrggbb")
        assert Store(store_path).theme("people").colour == colour
        await pilot.press("ctrl+u", *"#00aa00", "enter")
        await settle(pilot, themed)
        assert themed.screen is panel and "people" in cursor_row(themed)
        assert Store(store_path).theme("people").colour == "#00AA00"
        await pilot.press("c", "escape")  # no answer: back in the panel, nothing changed
        await settle(pilot, themed)
        assert themed.screen is panel and "people" in cursor_row(themed)


def columns_shown(shot: Shot) -> None:
    header = next(row for row in shot.rows if "theme" in row and "total" in row)
    for column in ["#1", "#2", "total", "description"]:
        assert column in header, f"{column!r} is cut off:\n{shot.text}"


@pytest.mark.parametrize("size", [(80, 24), (100, 30), (160, 45)], ids=["80x24", "100x30", "160x45"])
async def test_every_column_of_the_themes_panel_is_visible(themed, size):
    async with themed.run_test(size=size) as pilot:
        await pilot.press("t")
        await pilot.pause()
        shot = screen(themed)
        columns_shown(shot)
        shot.find("who acts")  # the description's start
        shot.find("#1 Alpha beta gamma")  # the legend names each document
        shot.find("#2 Another text")


async def test_the_themes_panel_fits_again_after_a_resize(themed):
    async with themed.run_test(size=(160, 45)) as pilot:
        await pilot.press("t")
        await pilot.pause()
        await pilot.resize_terminal(80, 24)
        await pilot.pause()
        await pilot.pause()
        columns_shown(screen(themed))


async def test_deleting_a_theme_leaves_the_cursor_on_the_next_one(themed, store_path):
    async with themed.run_test(size=(120, 30)) as pilot:
        panel = await open_themes(pilot, themed, "people")
        await pilot.press("d", "y")
        await settle(pilot, themed)
        assert themed.screen is panel
        assert "sanctions" in cursor_row(themed)
        assert "people" not in [t.name for t in Store(store_path).themes()]


# -- the annotations panel -------------------------------------------------------------------------------------
LONG = (
    "The visit of the defence minister was read in Seoul and Washington as the start of an arms trade in which "
    "North Korean shells and rockets go to Russia for the war in Ukraine, while Russian technology for satellites "
    "and submarines goes the other way, whatever the sanctions of the Security Council say about either of them.\n"
    "\nA second paragraph about China.\n"
)
CJK_TITLE = "北朝鮮とロシアの国防協力についての非常に長い題名が付いた分析記事です\n\n"


@pytest.fixture
def long_quotes(write_doc, store_path) -> MarginaliaApp:
    """A long passage highlighted in a document, and one in a document with a long CJK title (wide characters)."""
    paths = [write_doc("long.txt", LONG), write_doc("cjk.txt", CJK_TITLE + "本文に制裁の話があります。\n")]
    store = Store(store_path)
    long, cjk = load_document(paths[0]), load_document(paths[1])
    first = LONG.index("\n")
    store.add(new_annotation(long, 0, first, ["arms"], "the deal in one sentence"))
    store.add(new_annotation(long, LONG.index("China"), LONG.index("China") + 5, ["China's role"]))
    start = cjk.text.index("制裁")
    store.add(new_annotation(cjk, start, start + 2, ["sanctions"]))
    return MarginaliaApp(load_paths(paths), store)


def panel_rows(app: MarginaliaApp) -> list[str]:
    """The text rows of the panel's list on screen, its border and padding stripped."""
    options = app.screen.query_one("#list")
    shot = screen(app)
    region = options.content_region
    return [
        "".join(c.char for c in row[region.x : region.right]).rstrip() for row in shot.cells[region.y : region.bottom]
    ]


@pytest.mark.parametrize("size", [(80, 24), (160, 45)], ids=["80x24", "160x45"])
async def test_quotes_wrap_to_the_panel_width_and_cite_their_place(long_quotes, size):
    async with long_quotes.run_test(size=size) as pilot:
        await pilot.press("a")
        await pilot.pause()
        rows = panel_rows(long_quotes)
        width = long_quotes.screen.query_one("#list").content_region.width
        quote = [r.strip() for r in rows[1:4]]
        assert quote[0].startswith("“The visit of the defence minister")
        assert cell_len(rows[1]) > 60 or width <= 64, "wider than the old cut at 60 characters"
        assert all(cell_len(r) <= width for r in rows), "no row runs past the panel"
        shown = " ".join(quote)
        assert shown.endswith("…"), "a quote longer than three rows ends with an ellipsis"
        assert LONG[: len(shown) // 2].split()[-2] in shown, "the rows are the quote's words in order"
        assert rows[4].strip() == "— long.txt, paragraph 1, line 1" or rows[4].strip().startswith("— The visit")
        assert "paragraph 1, line 1" in rows[4]
        assert rows[5].strip() == "✎ the deal in one sentence"


async def test_a_wide_title_is_cut_by_cells_and_the_place_stays(long_quotes):
    async with long_quotes.run_test(size=(80, 24)) as pilot:
        await pilot.press("a", "ctrl+a")
        await pilot.pause()
        rows = panel_rows(long_quotes)
        width = long_quotes.screen.query_one("#list").content_region.width
        cited = next(r for r in rows if "北朝鮮" in r)
        assert cited.rstrip().endswith("…, paragraph 2, line 3"), cited
        assert cell_len(cited) <= width


async def test_typing_filters_from_anywhere_and_enter_jumps_to_the_first_row(long_quotes):
    app = long_quotes
    async with app.run_test(size=(120, 30)) as pilot:
        await pilot.press("a", "ctrl+a", "down", "down")  # the third row is chosen
        await burst(pilot, *"China")  # typed at once, not in the filter field first
        rows = panel_rows(app)
        assert app.screen.query_one("#filter").value == "China"
        assert any("“China”" in r for r in rows) and not any("“The visit" in r or "制裁" in r for r in rows)
        await pilot.press("enter")
        await pilot.pause()
        assert not isinstance(app.screen, AnnotationsPanel)
        view = app.query_one("#view-0", DocumentView)
        assert view.cursor == LONG.index("China")


async def test_the_arrows_choose_and_ctrl_d_deletes_the_chosen_row(long_quotes, store_path):
    app = long_quotes
    async with app.run_test(size=(120, 30)) as pilot:
        await pilot.press("a", "down", "ctrl+d")
        await settle(pilot, app)
        assert sorted(a.themes for a in Store(store_path).annotations()) == [["arms"], ["sanctions"]]


async def test_a_pdf_highlight_is_cited_by_its_page(tmp_path, store_path):
    from makedocs import make_pdf

    pdf = make_pdf(tmp_path / "report.pdf", pages=3)
    document = load_document(pdf)
    store = Store(store_path)
    start = document.text.index("Paragraph 1 of page 2")
    store.add(new_annotation(document, start, start + 21, ["visit"]))
    app = MarginaliaApp([document], store)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("a")
        await pilot.pause()
        assert any(r.strip().endswith(", p. 2") for r in panel_rows(app)), "\n".join(panel_rows(app))


async def test_a_theme_a_git_merge_left_in_conflict_says_so_until_a_rename_settles_it(themed, store_path, write_doc):
    import json

    codebook = json.loads(store_path.read_bytes())
    [people] = [r for r in codebook["themes"].values() if r["name"] == "people"]
    people["conflict"] = [{**people, "name": "actors", "description": ""}]  # as the merge driver leaves it
    store_path.write_text(json.dumps(codebook))
    themed = MarginaliaApp(load_paths([write_doc("one.txt", TEXT), write_doc("two.txt", OTHER)]), Store(store_path))
    async with themed.run_test(size=(160, 45)) as pilot:
        await open_themes(pilot, themed, "people")
        screen(themed).find("conflict: theme 'people' is 'actors'")
        await pilot.press("r", "ctrl+u", *"actors", "enter")
        await settle(pilot, themed)
        assert "conflict" not in screen(themed).text and "actors" in cursor_row(themed)
        assert Store(store_path).theme("actors").conflict is None
