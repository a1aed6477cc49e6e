"""The annotation store: where it lives, changes and conflicts, themes, damaged stores, migration, the file."""

from __future__ import annotations

import json
import os
import stat
import sys
from pathlib import Path

import platformdirs
import pytest
from conftest import annotation, read_store

import tui.storage
import tui.store
from tui.model import PALETTE, Annotation
from tui.storage import (
    SCHEMA,
    CorruptStore,
    StoreError,
    backup_paths,
    parse,
    shard_folder,
    shard_name,
    theme_id,
    validate,
)
from tui.store import ConflictError, NotFound, Store, resolve_store_path


def raw_store(path: Path) -> dict:
    return read_store(path)


@pytest.fixture
def writes(monkeypatch: pytest.MonkeyPatch) -> list[set[str]]:
    """Every write of the store, in order: the names of the files it replaced (several: one journalled change)."""
    done: list[set[str]] = []
    real, real_many = tui.storage.atomic_write, tui.storage.commit_many

    def counting(path: Path, raw: bytes) -> None:
        done.append({path.name})
        real(path, raw)

    def counting_many(files: list[tuple[Path, bytes]], journal: Path) -> None:
        done.append({path.name for path, _ in files})
        real_many(files, journal)

    monkeypatch.setattr(tui.storage, "atomic_write", counting)
    monkeypatch.setattr(tui.store, "commit_many", counting_many)
    return done


def shard_of(store: Store, document: str = "/doc.txt") -> Path:
    return shard_folder(store.path) / shard_name(document)


# -- where the store lives ------------------------------------------------------------------------------------------
def test_the_option_wins_over_the_environment(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MARGINALIA_STORE", str(tmp_path / "env.json"))
    assert resolve_store_path(tmp_path / "opt.json") == tmp_path / "opt.json"
    assert resolve_store_path(None) == tmp_path / "env.json"


def test_the_default_is_the_user_data_folder(isolated_env: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("MARGINALIA_STORE")
    expected = platformdirs.user_data_path("marginalia", appauthor=False) / "annotations.json"
    assert resolve_store_path(None) == expected.absolute()
    assert isolated_env in expected.parents  # the test's own HOME/XDG folder, never the real one
    if sys.platform.startswith("linux"):
        assert expected == isolated_env / "xdg-data" / "marginalia" / "annotations.json"


def test_relative_and_home_paths_are_made_absolute(isolated_env: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(isolated_env)
    assert resolve_store_path("s.json") == isolated_env / "s.json"
    assert resolve_store_path("~/x/s.json") == isolated_env / "x" / "s.json"


def test_folders_are_created_on_the_first_write_and_nothing_before(store_path: Path) -> None:
    store = Store(store_path)
    assert store.annotations() == [] and store.themes() == []
    assert not store_path.parent.exists()
    store.add(annotation())
    assert store_path.is_file()


def test_a_folder_is_not_a_store(tmp_path: Path) -> None:
    with pytest.raises(StoreError, match=rf"^{tmp_path}: is a folder, not a store file$"):
        Store(tmp_path)


# -- annotations --------------------------------------------------------------------------------------------------
def test_add_is_on_disk_when_it_returns(store: Store, store_path: Path) -> None:
    a = store.add(annotation(3, 8, ["Sanctions"]))
    records = raw_store(store_path)["annotations"]
    assert [r["id"] for r in records.values()] == [a.id]
    assert Store(store_path).get(a.id) == a


def test_annotations_are_ordered_by_path_then_start(store: Store) -> None:
    for path, start in [("/b", 1), ("/a", 9), ("/b", 0), ("/a", 2), ("/a", 10)]:
        store.add(annotation(start, start + 1, path=path))
    assert [(a.document.path, a.start) for a in store.annotations()] == [
        ("/a", 2), ("/a", 9), ("/a", 10), ("/b", 0), ("/b", 1),
    ]  # fmt: skip
    assert [a.start for a in store.annotations(doc="/b")] == [0, 1]


def test_filter_by_theme_ignores_case(store: Store) -> None:
    store.add(annotation(0, 1, ["Arms"]))
    store.add(annotation(1, 2, ["China"]))
    assert [a.start for a in store.annotations(theme=" arms ")] == [0]


def test_adding_the_same_id_twice_is_refused(store: Store) -> None:
    a = store.add(annotation())
    with pytest.raises(StoreError, match=f"annotation {a.id} already exists"):
        store.add(Annotation.from_record(a.to_record()))
    assert len(store.annotations()) == 1


def test_merge_adds_themes_to_an_existing_span_instead_of_a_duplicate(store: Store) -> None:
    first = store.add(annotation(0, 5, ["a"]))
    created, merged = store.add_many([annotation(0, 5, ["A", "b"]), annotation(5, 9, ["a"])], merge=True)
    assert (len(created), merged) == (1, 1)
    stored = store.get(first.id)
    assert (stored.themes, stored.rev) == (["a", "b"], 2)
    assert len(store.annotations()) == 2


def test_update_bumps_the_revision(store: Store) -> None:
    a = store.add(annotation(themes=["a"]))
    b = store.update(a.id, expect_rev=1, note="a note", themes=["a", "New"])
    assert (b.note, b.themes, b.rev) == ("a note", ["a", "New"], 2)
    assert b.updated >= a.updated
    assert Store(store.path).get(a.id) == b
    assert [t.name for t in store.themes()] == ["a", "New"]


def test_an_edit_of_an_annotation_another_process_changed_is_a_conflict(store_path: Path) -> None:
    mine, theirs = Store(store_path), Store(store_path)  # two Store objects: two processes, as far as the file goes
    a = mine.add(annotation())
    seen = theirs.get(a.id)
    mine.update(a.id, expect_rev=1, note="mine")
    with pytest.raises(ConflictError, match=rf"annotation {a.id[:8]} was changed elsewhere meanwhile \(revision 2"):
        theirs.update(a.id, expect_rev=seen.rev, note="theirs")
    with pytest.raises(ConflictError):
        theirs.delete(a.id, expect_rev=seen.rev)
    assert Store(store_path).get(a.id).note == "mine"


def test_two_store_objects_never_lose_each_others_inserts(store_path: Path) -> None:
    one, two = Store(store_path), Store(store_path)
    ids = []
    for n in range(10):
        ids.append((one if n % 2 else two).add(annotation(n, n + 1, [f"t{n % 3}"])).id)
    assert sorted(a.id for a in Store(store_path).annotations()) == sorted(ids)
    assert len(Store(store_path).themes()) == 3


def test_delete_by_id_or_unique_prefix(store: Store) -> None:
    a = store.add(annotation(0, 1))
    b = store.add(annotation(1, 2))
    assert store.delete(a.id).id == a.id
    with pytest.raises(NotFound, match="give at least 4 characters of the id"):
        store.delete(b.id[:3])  # too short to be trusted
    assert store.delete(b.id[:4]).id == b.id
    assert store.annotations() == []
    with pytest.raises(NotFound):
        store.delete(a.id)


def test_put_replaces_an_annotation_exactly(store: Store) -> None:
    a = store.add(annotation(0, 3))
    a.status, a.score, a.start, a.end = "fuzzy", 0.5, 4, 7
    store.put(a)
    assert store.get(a.id) == a
    a.score = None
    store.put(a)
    assert "score" not in raw_store(store.path)["annotations"]["1"]


# -- themes ---------------------------------------------------------------------------------------------------------
def test_themes_are_created_with_palette_colours_in_order(store: Store) -> None:
    store.add(annotation(themes=["Sanctions", "China's role", "sanctions"]))
    assert [(t.name, t.colour) for t in store.themes()] == [("China's role", PALETTE[1]), ("Sanctions", PALETTE[0])]
    assert store.add(annotation(themes=["SANCTIONS"])).themes == ["Sanctions"]  # the stored spelling wins
    assert len(store.themes()) == 2


def test_a_themes_colour_is_stable(store: Store) -> None:
    store.ensure_themes(["one", "two", "three"])
    colours = {t.key: t.colour for t in store.themes()}
    store.rename_theme("one", "uno")
    store.remove_themes(["two"])
    store.ensure_themes(["four"])
    after = {t.key: t.colour for t in store.themes()}
    assert (after["uno"], after["three"]) == (colours["one"], colours["three"])
    assert after["four"] == colours["two"]  # the freed colour is reused first


def test_rename_changes_only_the_codebook(store: Store, writes: list[Path]) -> None:
    a = store.add(annotation(0, 1, ["sanctions", "arms"]))
    b = store.add(annotation(1, 2, ["Sanctions"]))
    c = store.add(annotation(2, 3, ["arms"]))
    colour = store.theme("sanctions").colour
    writes.clear()
    theme = store.rename_theme(" SANCTIONS", "UN  sanctions")
    assert writes == [{"annotations.json"}]  # one atomic write: shards name themes by id
    assert (theme.name, theme.colour) == ("UN sanctions", colour)
    assert [store.get(x.id).themes for x in (a, b, c)] == [["UN sanctions", "arms"], ["UN sanctions"], ["arms"]]
    assert [store.get(x.id).rev for x in (a, b, c)] == [1, 1, 1]  # the annotations themselves did not change
    assert [t.name for t in store.themes()] == ["arms", "UN sanctions"]


def test_rename_to_a_different_case_and_clash(store: Store) -> None:
    store.ensure_themes(["sanctions", "arms"])
    assert store.rename_theme("sanctions", "Sanctions").name == "Sanctions"
    with pytest.raises(StoreError, match="theme 'arms' already exists; merge instead"):
        store.rename_theme("Sanctions", "ARMS")
    with pytest.raises(NotFound, match="no theme named 'nope'"):
        store.rename_theme("nope", "x")


def test_merge_changes_only_the_codebook(store: Store, writes: list[Path]) -> None:
    a = store.add(annotation(0, 1, ["UN", "sanctions"]))
    b = store.add(annotation(1, 2, ["embargo", "china"]))
    writes.clear()
    theme = store.merge_themes(["un", "Embargo", "sanctions"], into="Sanctions regime")
    assert writes == [{"annotations.json"}]
    assert theme.name == "Sanctions regime"
    assert store.get(a.id).themes == ["Sanctions regime"]
    assert store.get(b.id).themes == ["Sanctions regime", "china"]
    assert [t.name for t in store.themes()] == ["china", "Sanctions regime"]


def test_merge_into_one_of_the_merged_themes(store: Store) -> None:
    a = store.add(annotation(0, 1, ["a", "b"]))
    store.merge_themes(["a", "b"], into="B")
    assert store.get(a.id).themes == ["b"]
    assert [t.name for t in store.themes()] == ["b"]


def test_merge_of_a_missing_theme_changes_nothing(store: Store) -> None:
    store.add(annotation(themes=["a"]))
    before = store.path.read_bytes()
    with pytest.raises(NotFound, match="no theme named 'zzz'"):
        store.merge_themes(["a", "zzz"], into="b")
    assert store.path.read_bytes() == before
    assert [t.name for t in store.themes()] == ["a"]


def test_describe_and_recolour(store: Store) -> None:
    store.ensure_themes(["arms"])
    assert store.describe_theme("ARMS", "  weapons deliveries ").description == "weapons deliveries"
    assert store.recolour_theme("arms", "#00ff7f").colour == "#00FF7F"
    with pytest.raises(StoreError, match="colour 'green' is not #rrggbb"):
        store.recolour_theme("arms", "green")
    theme = Store(store.path).theme("arms")
    assert (theme.name, theme.colour, theme.description) == ("arms", "#00FF7F", "weapons deliveries")


def test_deleting_a_theme_keeps_its_annotations(store: Store, writes: list[Path]) -> None:
    only = store.add(annotation(0, 1, ["doomed"]))
    both = store.add(annotation(1, 2, ["doomed", "kept"]))
    writes.clear()
    theme, changed = store.delete_theme("Doomed")
    assert (theme.name, changed, writes) == ("doomed", 2, [{"annotations.json"}])
    assert store.get(only.id).themes == []
    assert store.get(both.id).themes == ["kept"]
    assert [t.name for t in store.themes()] == ["kept"]


def test_a_failed_change_leaves_the_store_as_it_was(store: Store) -> None:
    store.add(annotation(themes=["a"]))
    before = store.path.read_bytes()
    with pytest.raises(ValueError):
        store.add_many([annotation(1, 2, ["b"]), annotation(2, 3, [""])])
    assert store.path.read_bytes() == before
    assert [t.name for t in store.themes()] == ["a"] and len(store.annotations()) == 1


# -- the file -------------------------------------------------------------------------------------------------------
def test_the_file_is_human_readable_json(store: Store) -> None:
    store.add(annotation(themes=["Санкции"]))
    raw = store.path.read_bytes()
    assert raw.endswith(b"}\n")
    assert "Санкции".encode() in raw  # not \u-escaped
    assert b'\n  "themes": {\n    "1": {"colour":' in raw  # one record a line, keys sorted
    data = json.loads(raw)
    assert data["meta"] == {"1": {"schema": SCHEMA}}
    assert set(data) == {"meta", "themes", "documents", "metadata", "memos"}
    shard = shard_of(store).read_bytes()
    assert shard.endswith(b"}\n") and b'\n  "annotations": {\n    "1": {"coder":' in shard
    assert json.loads(shard)["meta"] == {"1": {"schema": SCHEMA, "document": "/doc.txt"}}


def test_backups_keep_the_last_five_versions(store: Store) -> None:
    versions = []
    for n in range(7):
        store.add(annotation(n, n + 1))
        versions.append(shard_of(store).read_bytes())
    assert [p.read_bytes() for p in backup_paths(shard_of(store))] == versions[-2::-1][:5]
    assert not shard_of(store).with_name(f"{shard_of(store).name}.bak-6").exists()
    codebook = []
    for n in range(7):
        store.ensure_themes([f"t{n}"])
        codebook.append(store.path.read_bytes())
    assert [p.read_bytes() for p in backup_paths(store.path)] == codebook[-2::-1][:5]


def test_an_interrupted_write_leaves_the_old_store(store: Store, monkeypatch: pytest.MonkeyPatch) -> None:
    store.add(annotation(0, 1))
    before = store.path.read_bytes()

    def crash(src: object, dst: object) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(tui.storage.os, "replace", crash)
    with pytest.raises(StoreError, match=r"cannot write the store \(No space left on device\)"):
        store.add(annotation(1, 2))
    monkeypatch.undo()
    assert store.path.read_bytes() == before
    assert [p.name for p in store.path.parent.iterdir() if p.name.endswith(".tmp")] == []
    assert len(store.annotations()) == 1  # the failed change is forgotten in memory too
    store.add(annotation(2, 3))
    assert len(Store(store.path).annotations()) == 2


def test_a_write_is_fsynced_before_it_replaces_the_store(store: Store, monkeypatch: pytest.MonkeyPatch) -> None:
    """A SIGKILL cannot tell; a power cut can: the data must be on disk before the rename makes it the store."""
    store.add(annotation(0, 1))
    events: list[str] = []
    real_fsync, real_replace = os.fsync, os.replace

    def fsync(fd: int) -> None:
        events.append("fsync folder" if stat.S_ISDIR(os.fstat(fd).st_mode) else "fsync file")
        real_fsync(fd)

    def replace(src: object, dst: object) -> None:
        events.append(f"replace {Path(str(dst)).name}")
        real_replace(src, dst)

    monkeypatch.setattr(tui.storage.os, "fsync", fsync)
    monkeypatch.setattr(tui.storage.os, "replace", replace)
    store.add(annotation(1, 2))
    assert events == ["fsync file", f"replace {shard_of(store).name}", "fsync folder"]


def test_a_hand_formatted_store_loads_and_reading_leaves_it_alone(store: Store) -> None:
    a = store.add(annotation(0, 1, ["Тема"]))
    compact = {}
    for path in (store.path, shard_of(store)):
        compact[path] = json.dumps(json.loads(path.read_bytes()), ensure_ascii=True, separators=(",", ":")).encode()
        path.write_bytes(compact[path])
    reread = Store(store.path)
    assert reread.get(a.id) == a and [t.name for t in reread.themes()] == ["Тема"]
    assert all(path.read_bytes() == raw for path, raw in compact.items())
    reread.add(annotation(1, 2, ["other"]))
    assert all(b'\n  "meta": {' in path.read_bytes() for path in compact)  # our own format again after a change


def test_the_store_keeps_its_file_mode(store: Store) -> None:
    store.add(annotation(0, 1))
    store.path.chmod(0o640)
    store.add(annotation(1, 2))
    assert store.path.stat().st_mode & 0o777 == 0o640


def test_changes_by_another_process_are_picked_up(store_path: Path) -> None:
    reader, writer = Store(store_path), Store(store_path)
    assert reader.annotations() == []
    writer.add(annotation())
    assert reader.refresh() is True
    assert len(reader.annotations()) == 1
    assert reader.refresh() is False


def test_a_reader_of_many_documents_sees_no_change_where_there_was_none(store_path: Path) -> None:
    """Past ``CACHED_SHARDS`` documents the shards' records are dropped after a read: a poll must not take that
    for a change (the reader would reload everything every second), but still see a real one."""
    paths = [f"/doc-{n}.txt" for n in range(tui.store.CACHED_SHARDS + 3)]
    writer = Store(store_path)
    writer.add_many([annotation(path=p) for p in paths])
    reader = Store(store_path)
    assert len(reader.annotations(docs=paths)) == len(paths)
    assert reader.refresh() is False
    writer.add(annotation(5, 9, path=paths[0]))
    assert reader.refresh() is True
    assert len(reader.annotations(docs=paths)) == len(paths) + 1
    assert reader.refresh() is False


# -- damaged stores ------------------------------------------------------------------------------------------------
def good_record(**changes: object) -> dict:
    record = annotation().to_record()
    record.update(changes)
    return record


def store_bytes(annotations: dict | None = None, themes: dict | None = None, **extra: object) -> bytes:
    """A whole store in one file at the current schema: themes given ids, annotations naming them by id."""
    for record in (annotations or {}).values():
        if isinstance(record.get("themes"), list):
            record["themes"] = [theme_id(t) if t.strip() else t for t in record["themes"]]
    for record in (themes or {}).values():
        record.setdefault("id", theme_id(record["name"]))
    data = {"meta": {"1": {"schema": SCHEMA}}, "themes": themes or {}, "annotations": annotations or {}, **extra}
    return json.dumps(data, indent=1).encode()


def without(record: dict, key: str) -> dict:
    return {k: v for k, v in record.items() if k != key}


DAMAGED = {
    "zero-bytes": (b"", "the file is empty"),
    "whitespace": (b"  \n", "the file is empty"),
    "invalid-json": (b'{"meta": {', "not valid JSON"),
    "not-utf8": (b'{"meta": "\xff"}', "not valid JSON"),
    "top-level-list": (b"[]", "the top level is not an object"),
    "top-level-null": (b"null", "the top level is not an object"),
    "duplicate-top-key": (
        b'{"meta": {"1": {"schema": 1}}, "annotations": {}, "annotations": {}, "themes": {}}',
        "duplicate key 'annotations'",
    ),
    "duplicate-record-key": (
        store_bytes().replace(
            b'"annotations": {}',
            b'"annotations": {"1": %s, "1": %s}'
            % (json.dumps(good_record()).encode(), json.dumps(good_record()).encode()),
        ),
        "duplicate key '1'",
    ),
    "unknown-table": (store_bytes(extra={}), "unknown table 'extra'"),
    "table-not-object": (b'{"meta": {"1": {"schema": 1}}, "themes": []}', "table 'themes' is not an object"),
    "record-key": (store_bytes({"one": good_record()}), "record 'one' in table 'annotations' is not a numbered object"),
    "missing-field": (store_bytes({"1": without(good_record(), "quote")}), "field 'quote' is missing or not a str"),
    "wrong-type": (store_bytes({"1": good_record(start="0")}), "field 'start' is missing or not a int"),
    "bool-offset": (store_bytes({"1": good_record(start=True)}), "field 'start' is missing or not a int"),
    "bad-span": (store_bytes({"1": good_record(start=9, end=2)}), "offsets 9:2 are not a span"),
    "unknown-field": (store_bytes({"1": good_record(colour="red")}), "unknown field 'colour'"),
    "bad-status": (store_bytes({"1": good_record(status="lost")}), "status 'lost' is not one of"),
    "bad-document": (store_bytes({"1": good_record(document={"path": "/x"})}), "'document' must hold"),
    "empty-theme-name": (store_bytes({"1": good_record(themes=[" "])}), "'themes' must be a list of theme ids"),
    "same-id-twice": (
        store_bytes({"1": good_record(id="x"), "2": good_record(id="x")}),
        "annotation id x appears twice",
    ),
    "theme-colour": (store_bytes(themes={"1": {"name": "a", "colour": "red"}}), "theme 'a' has no #rrggbb colour"),
    "theme-twice": (
        store_bytes(themes={"1": {"name": "A", "colour": "#000000"}, "2": {"name": " a ", "colour": "#000000"}}),
        "theme ' a ' appears twice",
    ),
    "two-meta-records": (b'{"meta": {"1": {"schema": 1}, "2": {"schema": 1}}}', "unknown schema version None"),
    "odd-schema": (b'{"meta": {"1": {"schema": "one"}}}', "unknown schema version 'one'"),
}


@pytest.mark.parametrize("raw, problem", DAMAGED.values(), ids=DAMAGED.keys())
def test_a_damaged_store_is_refused_and_left_byte_identical(store_path: Path, raw: bytes, problem: str) -> None:
    store_path.parent.mkdir(parents=True)
    store_path.write_bytes(raw)
    with pytest.raises(CorruptStore) as error:
        Store(store_path)
    message = str(error.value)
    assert message.startswith(f"{store_path}: the store is damaged (")
    assert problem in message
    assert message.endswith("; it was left as it was; no backups found")
    assert "\n" not in message
    assert store_path.read_bytes() == raw
    assert sorted(p.name for p in store_path.parent.iterdir()) == ["annotations.json"]


def test_a_store_damaged_later_names_its_backups_and_is_not_touched(store: Store) -> None:
    for n in range(3):
        store.add(annotation(n, n + 1, [f"t{n}"]))  # a new theme each time: the codebook changes
    store.path.write_bytes(b'{"meta": {"1": {"schema": 1}}, "annota')
    with pytest.raises(CorruptStore, match=r"; backups: .*annotations\.json\.bak-1, .*annotations\.json\.bak-2$"):
        store.add(annotation(5, 6))
    with pytest.raises(CorruptStore):
        store.annotations()
    assert store.path.read_bytes() == b'{"meta": {"1": {"schema": 1}}, "annota'
    assert len(json.loads(backup_paths(store.path)[0].read_bytes())["themes"]) == 2


def test_every_valid_store_we_write_parses_on_the_fast_path(store: Store) -> None:
    store.add(annotation(themes=["a"]))
    raw = store.path.read_bytes()
    assert tui.storage.dump(parse(raw)) == raw
    assert validate(parse(raw)) is None


# -- schema versions ------------------------------------------------------------------------------------------------
SCHEMA_0 = {
    "themes": {"1": {"name": "Sanctions"}, "2": {"name": "arms"}},
    "annotations": {"1": {k: v for k, v in good_record(themes=["Sanctions"]).items() if k not in ("rev", "status", "updated")}},
}  # fmt: skip


def test_an_older_schema_is_migrated_after_a_backup(store_path: Path) -> None:
    store_path.parent.mkdir(parents=True)
    old = json.dumps(SCHEMA_0).encode()
    store_path.write_bytes(old)
    store = Store(store_path)
    assert store_path.with_name("annotations.json.schema-0.bak").read_bytes() == old
    data = raw_store(store_path)
    assert data["meta"] == {"1": {"schema": SCHEMA}}
    record = data["annotations"]["1"]
    assert (record["rev"], record["status"], record["updated"]) == (1, "anchored", record["created"])
    assert record["coder"] == ""  # unknown, the same on every machine
    assert [(t.name, t.colour, t.description) for t in store.themes()] == [
        ("arms", PALETTE[1], ""), ("Sanctions", PALETTE[0], ""),
    ]  # fmt: skip


def test_a_newer_schema_is_refused(store_path: Path) -> None:
    store_path.parent.mkdir(parents=True)
    raw = b'{"meta": {"1": {"schema": 99}}, "themes": {}, "annotations": {}, "future": {}}'
    store_path.write_bytes(raw)
    with pytest.raises(StoreError) as error:
        Store(store_path)
    assert str(error.value) == (
        f"{store_path}: store schema 99 is newer than this marginalia understands ({SCHEMA}); upgrade marginalia"
    )
    assert store_path.read_bytes() == raw
    assert sorted(p.name for p in store_path.parent.iterdir()) == ["annotations.json"]


def test_an_old_store_that_cannot_be_migrated_is_left_alone(store_path: Path) -> None:
    store_path.parent.mkdir(parents=True)
    raw = json.dumps({"annotations": {"1": {"id": 5}}}).encode()
    store_path.write_bytes(raw)
    with pytest.raises(CorruptStore, match="cannot migrate: annotation record 1: field 'id'"):
        Store(store_path)
    assert store_path.read_bytes() == raw


def test_a_migration_never_overwrites_a_change_made_meanwhile(
    store_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Process A reads an old store; before A writes its migration, process B migrates the store and adds an
    annotation. A must not write its migration of the bytes it read over B's change."""
    store_path.parent.mkdir(parents=True)
    store_path.write_bytes(json.dumps(SCHEMA_0).encode())
    real_parse = tui.storage.parse
    theirs: list[Annotation] = []

    def parse_then_let_another_process_write(raw: bytes) -> object:
        data = real_parse(raw)
        if not theirs:
            theirs.append(annotation(7, 8, ["B"]))  # from now on parse goes straight through
            Store(store_path).add(theirs[0])
        return data

    monkeypatch.setattr(tui.storage, "parse", parse_then_let_another_process_write)
    mine = Store(store_path)
    assert sorted(a.start for a in mine.annotations()) == [0, 7]
    assert sorted(a.start for a in Store(store_path).annotations()) == [0, 7]
    assert store_path.with_name("annotations.json.schema-0.bak").read_bytes() == json.dumps(SCHEMA_0).encode()


def test_a_migration_that_cannot_be_written_is_a_clear_error(store_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    store_path.parent.mkdir(parents=True)
    old = json.dumps(SCHEMA_0).encode()
    store_path.write_bytes(old)

    def refuse(path: Path, raw: bytes) -> None:
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr(tui.storage, "atomic_write", refuse)
    with pytest.raises(StoreError, match=rf"^{store_path}: cannot migrate the store \(Permission denied\)$"):
        Store(store_path)
    assert store_path.read_bytes() == old


def test_add_many_without_merge_keeps_two_annotations_on_one_span(store):
    first, second = annotation(0, 5, ["a"]), annotation(0, 5, ["b"])
    created, merged = store.add_many([first, second])
    assert (len(created), merged) == (2, 0)
    assert sorted(a.themes[0] for a in store.annotations()) == ["a", "b"]


def test_merge_with_a_source_named_twice(store):
    store.add(annotation(0, 5, ["A"]))
    store.add(annotation(6, 9, ["b"]))
    store.merge_themes(["A", "a", "b"], "c")
    assert [t.name for t in store.themes()] == ["c"]
    assert [a.themes for a in store.annotations()] == [["c"], ["c"]]


def test_a_schema_2_store_migrates_to_remember_the_paths_of_each_text(store_path: Path) -> None:
    """Schema 3 keeps, per text (fingerprint), every path where it was seen, from the annotations' own paths."""
    record = {"id": "a1", "start": 0, "end": 3, "quote": "abc", "prefix": "", "suffix": "", "themes": [], "note": "",
              "created": "2024-01-01T00:00:00.000Z", "updated": "2024-01-01T00:00:00.000Z", "status": "anchored",
              "rev": 1, "coder": "", "document": {"path": "/a/x.txt", "title": "x", "fingerprint": "f1"}}  # fmt: skip
    other = {**record, "id": "a2", "document": {"path": "/b/x.txt", "title": "x", "fingerprint": "f1"}}
    old = json.dumps({"meta": {"1": {"schema": 2}}, "themes": {}, "annotations": {"1": record, "2": other}}).encode()
    store_path.parent.mkdir(parents=True, exist_ok=True)
    store_path.write_bytes(old)
    store = Store(store_path)
    assert store.paths_seen() == {"f1": ["/a/x.txt", "/b/x.txt"]}
    assert store_path.with_name("annotations.json.schema-2.bak").read_bytes() == old
    assert json.loads(store_path.read_bytes())["meta"] == {"1": {"schema": SCHEMA}} and SCHEMA == 5


def test_a_shards_records_hold_what_they_repeat_once_and_a_change_to_one_stays_its_own(store_path: Path) -> None:
    """A reader keeps its documents' shards parsed for its writes: their records share one document dict, theme
    ids and ``updated`` when it is ``created`` (``share_repeats``); changing one record changes it alone."""
    writer = Store(store_path)
    writer.add_many([annotation(n, n + 3, ["Arms", "China"]) for n in range(0, 30, 5)])
    reader = Store(store_path)
    assert len(reader.annotations()) == 6
    [shard] = reader._shards.values()
    records = list(shard.records().values())
    assert len({id(r["document"]) for r in records}) == 1
    assert len({id(t) for r in records for t in r["themes"]}) == 2
    assert all(r["updated"] is r["created"] for r in records)
    reader.update(records[0]["id"], note="changed", themes=["Arms"])
    again = Store(store_path).annotations()
    assert [a.note for a in again] == ["changed"] + [""] * 5
    assert [a.themes for a in again] == [["Arms"]] + [["Arms", "China"]] * 5
    assert {a.document.path for a in again} == {"/doc.txt"} and again[1].updated == again[1].created
