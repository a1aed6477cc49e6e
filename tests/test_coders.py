"""Coders: who made each annotation, where the name comes from, and filtering by it (issue 16)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from conftest import ASMOLOV, annotation, read_store

from tui.coders import by_coder, clean_coder, login_name, resolve_coder
from tui.store import Store


def test_the_coder_comes_from_the_option_then_the_environment_then_the_login(monkeypatch, tmp_path: Path) -> None:
    assert resolve_coder() == login_name()
    monkeypatch.setenv("MARGINALIA_CODER", "  Ana   Lima ")
    assert resolve_coder() == "Ana Lima"
    assert resolve_coder("Bo") == "Bo"
    monkeypatch.setenv("MARGINALIA_CODER", "   ")
    assert resolve_coder() == login_name()
    config = tmp_path / "config.toml"
    config.write_text('coder = "Cy Config"\n', encoding="utf-8")
    monkeypatch.setenv("MARGINALIA_CONFIG", str(config))
    assert resolve_coder() == "Cy Config"  # the config file comes after the option and the environment
    monkeypatch.setenv("MARGINALIA_CODER", "Dee")
    assert resolve_coder() == "Dee"


def test_a_coder_name_is_one_line_of_visible_text() -> None:
    for bad in ("", "  ", "a\x1b[31mb", "a\u202eb"):
        with pytest.raises(ValueError):
            clean_coder(bad)
    assert clean_coder(" Ana\n Lima ") == "Ana Lima"


def test_the_store_stamps_new_annotations_with_its_coder(store_path: Path) -> None:
    store = Store(store_path, coder="ana")
    made = store.add(annotation())
    assert made.coder == "ana" and store.get(made.id).coder == "ana"
    other = annotation(5, 9)
    other.coder = "bo"
    assert store.add(other).coder == "bo"  # one that says who made it keeps it
    assert store.coders() == ["ana", "bo"]
    assert [a.coder for a in store.annotations(coders=["BO"])] == ["bo"]  # coders match case-insensitively
    assert by_coder(store.annotations(), None) == store.annotations()


def test_the_same_span_by_two_coders_is_two_annotations_and_one_coder_never_duplicates(store_path: Path) -> None:
    ana, bo = Store(store_path, coder="ana"), Store(store_path, coder="bo")
    assert len(ana.add_many([annotation(themes=["x"])], merge=True)[0]) == 1
    assert ana.add_many([annotation(themes=["y"])], merge=True) == ([], 1)  # ana again: themes merged
    created, merged = bo.add_many([annotation(themes=["x"])], merge=True)
    assert (len(created), merged) == (1, 0)
    by_name = {a.coder: a.themes for a in Store(store_path).annotations()}
    assert by_name == {"ana": ["x", "y"], "bo": ["x"]}


def test_cli_tag_list_and_export_by_coder(cli, store_path: Path, monkeypatch) -> None:
    store_arg = ["--store", str(store_path)]
    cli("tag", ASMOLOV, "--match", "Shoigu", "--theme", "people", "--first", "--coder", "ana", *store_arg)
    monkeypatch.setenv("MARGINALIA_CODER", "bo")
    cli("tag", ASMOLOV, "--match", "Shoigu", "--theme", "people", "--first", *store_arg)
    again = cli("tag", ASMOLOV, "--match", "Shoigu", "--theme", "people", "--first", *store_arg)
    assert "created 0 highlights" in again.out and "(1 already there)" in again.out
    everything = json.loads(cli("list", "--format", "json", *store_arg).out)
    assert sorted(a["coder"] for a in everything) == ["ana", "bo"]
    assert {a["start"] for a in everything} == {everything[0]["start"]}
    only_ana = json.loads(cli("list", "--format", "json", "--coder", "Ana", *store_arg).out)
    assert [a["coder"] for a in only_ana] == ["ana"]
    both = json.loads(cli("list", "--format", "json", "--coder", "ana", "--coder", "bo", *store_arg).out)
    assert len(both) == 2
    table = cli("list", "--coder", "bo", *store_arg).out
    assert " bo " in table and " ana " not in table
    markdown = cli("export", *store_arg).out
    assert "coded by ana" in markdown and "coded by bo" in markdown  # several coders: each passage says whose
    alone = cli("export", "--coder", "bo", *store_arg).out
    assert "1 highlight" in alone and "coded by" not in alone
    w3c = json.loads(cli("export", "--format", "w3c", "--coder", "ana", *store_arg).out)
    assert [i["creator"] for i in w3c["first"]["items"]] == [{"type": "Person", "name": "ana"}]
    missing = cli("export", "--coder", "nobody", *store_arg)
    assert (missing.code, missing.err) == (1, "marginalia: error: no annotations by coder 'nobody'\n")


def test_a_schema_1_store_migrates_to_unknown_coders_that_tag_does_not_duplicate(cli, store_path: Path) -> None:
    store = Store(store_path, coder="ana")
    store.add(annotation())
    data = read_store(store_path)  # as one file, the way schema 1 kept it
    data["meta"] = {"1": {"schema": 1}}
    for record in data["annotations"].values():
        del record["coder"]
    old = json.dumps(data, indent=2).encode()
    store_path.write_bytes(old)
    migrated = Store(store_path, coder="ana")
    assert store_path.with_name("annotations.json.schema-1.bak").read_bytes() == old
    [a] = migrated.annotations()
    assert a.coder == ""  # unknown: the same bytes whoever migrates
    assert migrated.add_many([annotation(themes=["more"])], merge=True) == ([], 1)
    assert [x.themes for x in migrated.annotations()] == [["theme", "more"]]
