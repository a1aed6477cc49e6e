"""Annotations and themes as values: ids, timestamps, quotes with context, theme names and colours."""

from __future__ import annotations

import uuid
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

import orjson
import pytest

from tui.document import Document
from tui.model import (
    CONTEXT,
    PALETTE,
    PUBLIC_KEYS,
    Annotation,
    clean_theme_name,
    new_annotation,
    now,
    pick_colour,
    theme_key,
    unique_themes,
)

TEXT = "The minister arrived in Pyongyang; sanctions were discussed at length, and then sanctions again."
DOC = Document(Path("/docs/visit.txt"), TEXT)


def test_a_new_annotation() -> None:
    start = TEXT.index("sanctions")
    before = datetime.now(UTC)
    a = new_annotation(DOC, start, start + 9, ["Sanctions ", "sanctions", " UN"], note="see UNSC")
    assert uuid.UUID(a.id).version == 4 and str(uuid.UUID(a.id)) == a.id
    assert (a.document.path, a.document.title, a.document.fingerprint) == ("/docs/visit.txt", TEXT, DOC.fingerprint)
    assert (a.start, a.end, a.quote) == (start, start + 9, "sanctions")
    assert CONTEXT == 32
    assert a.prefix == " minister arrived in Pyongyang; "
    assert a.suffix == " were discussed at length, and t"
    assert a.themes == ["Sanctions", "UN"]
    assert (a.note, a.status, a.rev) == ("see UNSC", "anchored", 1)
    assert a.created == a.updated
    created = datetime.fromisoformat(a.created)
    assert created.utcoffset() == timedelta(0)
    assert a.created.endswith("Z")
    assert before - timedelta(seconds=1) <= created <= datetime.now(UTC) + timedelta(seconds=1)


def test_context_is_cut_at_the_edges_of_the_text() -> None:
    a = new_annotation(DOC, 0, 3, ["t"])
    assert (a.prefix, a.quote, a.suffix) == ("", "The", " minister arrived in Pyongyang; ")
    b = new_annotation(DOC, 89, 96, ["t"])
    assert (b.prefix, b.quote, b.suffix) == ("ed at length, and then sanctions", " again.", "")
    c = new_annotation(DOC, 4, 12, ["t"])
    assert (c.prefix, c.quote) == ("The ", "minister")


@pytest.mark.parametrize("start, end", [(5, 5), (6, 5), (-1, 3), (0, len(TEXT) + 1)])
def test_an_empty_or_outside_span_is_refused(start: int, end: int) -> None:
    with pytest.raises(ValueError, match=rf"span {start}:{end} is outside the document"):
        new_annotation(DOC, start, end, ["t"])


def test_ids_are_unique() -> None:
    assert len({new_annotation(DOC, 0, 3, ["t"]).id for _ in range(200)}) == 200


def test_now_is_iso_8601_utc() -> None:
    stamp = now()
    assert len(stamp) == len("2026-01-01T00:00:00.000Z")
    assert datetime.fromisoformat(stamp).tzinfo == UTC


def test_record_round_trip_and_public_shape() -> None:
    a = new_annotation(DOC, 4, 12, ["x"])
    record = a.to_record()
    assert set(record) == set(PUBLIC_KEYS) | {"rev"}
    assert Annotation.from_record(record) == a
    assert list(a.public()) == list(PUBLIC_KEYS) == [
        "id", "document", "start", "end", "quote", "prefix", "suffix", "themes", "note", "created", "updated", "status",
        "coder",
    ]  # fmt: skip
    assert a.public()["document"] == {"path": "/docs/visit.txt", "title": TEXT, "fingerprint": DOC.fingerprint}
    a.score = 0.75
    assert a.to_record()["score"] == 0.75 and Annotation.from_record(a.to_record()).score == 0.75


def test_public_is_the_record_in_its_promised_order_with_the_optional_keys_after() -> None:
    """``public`` is built directly (for speed): the same keys, values and order as from the stored record."""
    plain = new_annotation(DOC, 4, 12, ["x", "y"], "a note", coder="ana")
    fuzzy = replace(plain, status="ambiguous", score=0.5, candidates=[{"start": 1, "end": 3, "score": 0.5}])
    both = replace(fuzzy, conflict=[{"deleted": True}])
    for annotation in (plain, fuzzy, both):
        record = annotation.to_record()
        expected = {key: record[key] for key in PUBLIC_KEYS}
        expected.update({k: record[k] for k in ("score", "candidates", "conflict") if k in record})
        assert orjson.dumps(annotation.public()) == orjson.dumps(expected)


# -- theme names ----------------------------------------------------------------------------------------------
def test_theme_names_are_trimmed_and_keep_their_case() -> None:
    assert clean_theme_name("  China's   Role \t") == "China's Role"


@pytest.mark.parametrize("name", ["", "   ", "\t\n"])
def test_an_empty_theme_name_is_refused(name: str) -> None:
    with pytest.raises(ValueError, match="a theme name cannot be empty"):
        clean_theme_name(name)


def test_a_comma_is_refused() -> None:
    with pytest.raises(ValueError, match="cannot contain a comma"):
        clean_theme_name("a, b")


def test_themes_are_unique_case_insensitively_first_spelling_wins() -> None:
    assert unique_themes(["Sanctions", " sanctions", "SANCTIONS ", "China", "Straße", "STRASSE"]) == [
        "Sanctions", "China", "Straße",
    ]  # fmt: skip


def test_theme_key_ignores_case_and_spacing() -> None:
    assert theme_key("  UN   Sanctions ") == theme_key("un sanctions") == "un sanctions"


# -- colours ------------------------------------------------------------------------------------------------------
def test_the_palette_is_pauls_tols_light_scheme() -> None:
    assert PALETTE == (
        "#77AADD", "#EE8866", "#EEDD88", "#FFAABB", "#99DDFF", "#44BB99", "#BBCC33", "#AAAA00", "#DDDDDD",
    )  # fmt: skip


def test_colours_are_picked_in_palette_order_skipping_used_ones() -> None:
    assert pick_colour([], "a") == "#77AADD"
    assert pick_colour(["#77aadd"], "b") == "#EE8866"
    assert pick_colour(["#EE8866"], "c") == "#77AADD"


def test_once_the_palette_is_used_up_the_colour_depends_only_on_the_name() -> None:
    full = list(PALETTE)
    picks = {name: pick_colour(full, name) for name in ["alpha", "beta", "gamma", "delta"]}
    assert all(colour in PALETTE for colour in picks.values())
    assert picks == {name: pick_colour(full[::-1] + ["#000000"], name) for name in picks}
    assert pick_colour(full, "Alpha ") == picks["alpha"]
    assert len(set(picks.values())) > 1
