"""Themes through git (issue 16): annotations name themes by a stable id, so a rename, merge or deletion is a
change to the codebook alone, and the merge driver merges the codebook three-way by id. Driven through real git
in temporary folders."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest
from conftest import annotation, read_store
from test_git import git, repo  # noqa: F401 (the fixture)

from tui.gitmerge import merge_stores
from tui.storage import shard_folder
from tui.store import Store

pytestmark = pytest.mark.skipif(subprocess.run(["git", "--version"], capture_output=True).returncode != 0,
                                reason="git is not installed")  # fmt: skip

TEXT = "alpha beta gamma delta epsilon zeta eta theta iota kappa lambda mu\n"


@pytest.fixture
def coded(cli, repo: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A repository whose store (set up for git) has two annotations under "sanctions" and one under "arms",
    committed on main; returns the store's path."""
    store_path = repo / "annotations.json"
    monkeypatch.setenv("MARGINALIA_STORE", str(store_path))
    monkeypatch.chdir(repo)
    assert cli("git", "init").code == 0
    store = Store(store_path, coder="ana")
    store.add(annotation(0, 5, ["sanctions"], path="/a.txt"))
    store.add(annotation(6, 10, ["sanctions", "arms"], path="/b.txt"))
    store.add(annotation(11, 16, ["arms"], path="/a.txt"))
    commit(repo, "start")
    return store_path


def commit(repo: Path, message: str) -> None:
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", message)


def branch(repo: Path, name: str) -> None:
    git(repo, "checkout", "-q", "main")
    git(repo, "checkout", "-q", "-b", name)


def merge(repo: Path, other: str) -> str:
    done = git(repo, "merge", "--no-edit", other)
    output = done.stdout + done.stderr
    assert "CONFLICT" not in output
    return output


def themes_of(store_path: Path) -> dict[str, list[list[str]]]:
    """Per document, the themes of its annotations in order, as ``list`` gives them."""
    out: dict[str, list[list[str]]] = {}
    for a in Store(store_path).annotations():
        out.setdefault(a.document.path, []).append(a.themes)
    return out


def test_a_theme_deleted_on_one_branch_stays_deleted_after_the_merge(repo: Path, coded: Path) -> None:
    branch(repo, "deletes")
    Store(coded).delete_theme("sanctions")
    commit(repo, "delete sanctions")
    branch(repo, "adds")
    store = Store(coded, coder="bo")
    store.add(annotation(20, 25, ["fresh"], path="/b.txt"))  # the codebook changes on this side too
    store.recolour_theme("arms", "#123456")
    commit(repo, "bo codes")
    git(repo, "checkout", "-q", "deletes")
    merge(repo, "adds")
    merged = Store(coded)
    assert sorted(t.name for t in merged.themes()) == ["arms", "fresh"]
    assert merged.theme("arms").colour == "#123456"
    assert themes_of(coded) == {"/a.txt": [[], ["arms"]], "/b.txt": [["arms"], ["fresh"]]}


def test_a_theme_renamed_on_one_branch_is_renamed_on_the_other_branch_s_new_annotations(
    repo: Path,
    coded: Path,
) -> None:
    branch(repo, "renames")
    Store(coded).rename_theme("sanctions", "measures")
    Store(coded).add(annotation(30, 35, ["new here"], path="/a.txt"))
    commit(repo, "rename")
    branch(repo, "uses")
    Store(coded, coder="bo").add(annotation(20, 25, ["sanctions"], path="/b.txt"))
    Store(coded, coder="bo").add(annotation(40, 45, ["sanctions", "new there"], path="/c.txt"))
    commit(repo, "bo uses sanctions")
    git(repo, "checkout", "-q", "renames")
    merge(repo, "uses")
    assert sorted(t.name for t in Store(coded).themes()) == ["arms", "measures", "new here", "new there"]
    assert themes_of(coded) == {
        "/a.txt": [["measures"], ["arms"], ["new here"]],
        "/b.txt": [["measures", "arms"], ["measures"]],
        "/c.txt": [["measures", "new there"]],
    }


def test_a_theme_merged_on_one_branch_takes_the_other_branch_s_new_annotations(
    repo: Path,
    coded: Path,
) -> None:
    branch(repo, "merges")
    Store(coded).merge_themes(["sanctions"], into="arms")
    commit(repo, "merge")
    branch(repo, "uses")
    Store(coded, coder="bo").add(annotation(20, 25, ["sanctions", "other"], path="/b.txt"))
    commit(repo, "use")
    git(repo, "checkout", "-q", "uses")
    merge(repo, "merges")  # the other way round: the merge comes from theirs
    assert sorted(t.name for t in Store(coded).themes()) == ["arms", "other"]
    assert themes_of(coded) == {"/a.txt": [["arms"], ["arms"]], "/b.txt": [["arms"], ["arms", "other"]]}


def test_a_theme_renamed_differently_on_both_branches_is_a_visible_conflict(
    cli,
    repo: Path,
    coded: Path,
) -> None:
    branch(repo, "one")
    Store(coded).rename_theme("sanctions", "measures")
    commit(repo, "one name")
    branch(repo, "two")
    Store(coded).rename_theme("sanctions", "restrictions")
    commit(repo, "another name")
    git(repo, "checkout", "-q", "one")
    output = merge(repo, "two")
    assert "theme 'measures'" in output and "changed on both sides" in output
    [theme] = [t for t in json.loads(cli("themes", "--format", "json").out) if t["name"] == "measures"]
    assert [v["name"] for v in theme["conflict"]] == ["restrictions"]  # the other name, kept with it
    table = cli("themes")
    assert "conflict: theme 'measures' is 'restrictions'" in table.out
    cli("theme", "rename", "measures", "restrictions")  # the user settles it
    assert "conflict" not in json.loads(cli("themes", "--format", "json").out)[1]
    assert themes_of(coded)["/b.txt"] == [["restrictions", "arms"]]


def test_a_rename_or_merge_writes_only_the_codebook(repo: Path, coded: Path) -> None:
    Store(coded).rename_theme("sanctions", "measures")
    Store(coded).merge_themes(["arms"], into="measures")
    changed = git(repo, "status", "--porcelain").stdout.split()
    assert changed == ["M", "annotations.json"]  # no shard changed: they name themes by id
    diff = git(repo, "diff", "--unified=0").stdout
    added = [line for line in diff.splitlines() if line.startswith("+") and not line.startswith("+++")]
    assert len(added) == 2 and all(line.startswith('+    "') for line in added)  # one line per theme


# -- the codebook's three-way merge, case by case (no git) ---------------------------------------------------------
def _sides(tmp_path: Path) -> tuple[dict, Store, Store]:
    base = Store(tmp_path / "base.json")
    base.add(annotation(0, 5, ["a", "b"]))
    data = read_store(base.path)
    ours, theirs = Store(tmp_path / "ours.json"), Store(tmp_path / "theirs.json")
    for store in (ours, theirs):
        store.add(annotation(0, 5, ["a", "b"]))
    return data, ours, theirs


def _codebook(store: Store) -> dict:
    return json.loads(store.path.read_bytes())


def _names(merged: dict) -> dict[str, str]:
    return {r["name"]: ("into " + r["into"]) if "into" in r else "deleted" if r.get("deleted") else "live"
            for r in merged["themes"].values()}  # fmt: skip


def test_themes_merged_into_each_other_on_the_two_sides_come_back_flagged(tmp_path: Path) -> None:
    base, ours, theirs = _sides(tmp_path)
    ours.merge_themes(["a"], into="b")
    theirs.merge_themes(["b"], into="a")
    merged, report = merge_stores(_codebook(Store(tmp_path / "base.json")), _codebook(ours), _codebook(theirs))
    live = [r for r in merged["themes"].values() if "colour" in r]
    assert len(live) == 1 and live[0]["conflict"] and report.theme_conflicts
    assert base["themes"]


def test_one_name_made_on_both_sides_is_one_theme(tmp_path: Path) -> None:
    _, ours, theirs = _sides(tmp_path)
    ours.rename_theme("a", "people")  # a rename here, a new theme there: joined
    theirs.ensure_themes(["People"])
    merged, report = merge_stores(_codebook(Store(tmp_path / "base.json")), _codebook(ours), _codebook(theirs))
    assert sorted(_names(merged).values()) == ["into " + ours.theme("people").id, "live", "live"]
    assert report.joined == ["people"]
    ours.ensure_themes(["x"])
    theirs.ensure_themes(["X"])  # both sides make the same theme: the same id, one record
    merged, report = merge_stores(_codebook(Store(tmp_path / "base.json")), _codebook(ours), _codebook(theirs))
    assert [r["name"] for r in merged["themes"].values()].count("x") == 1


def test_a_schema_4_store_migrates_to_theme_ids_after_a_backup(store_path: Path) -> None:
    store = Store(store_path)
    store.add(annotation(0, 5, ["Sanctions", "arms"], path="/a.txt"))
    store.add(annotation(0, 5, ["arms"], path="/b.txt"))
    codebook = json.loads(store_path.read_bytes())
    names = {r["id"]: r["name"] for r in codebook["themes"].values()}
    for record in codebook["themes"].values():
        del record["id"]
    codebook["meta"]["1"]["schema"] = 4
    store_path.write_text(json.dumps(codebook))
    shards = sorted(shard_folder(store_path).glob("*.json"))
    current = shards[0].read_bytes()
    for shard in shards:  # as schema 4 kept them: theme names
        data = json.loads(shard.read_bytes())
        data["meta"]["1"]["schema"] = 4
        for record in data["annotations"].values():
            record["themes"] = [names[t] for t in record["themes"]]
        shard.write_text(json.dumps(data))
    old = {p: p.read_bytes() for p in [store_path, *shards]}
    # a migration cut short: the first shard was migrated (and its old version kept), the codebook not yet
    shards[0].with_name(shards[0].name + ".bak-schema-4").write_bytes(old[shards[0]])
    shards[0].write_bytes(current)
    migrated = Store(store_path)
    assert [a.themes for a in migrated.annotations()] == [["Sanctions", "arms"], ["arms"]]
    assert store_path.with_name("annotations.json.schema-4.bak").read_bytes() == old[store_path]
    for shard in shards:
        assert shard.with_name(shard.name + ".bak-schema-4").read_bytes() == old[shard]
    assert shards[0].read_bytes() == current  # taken as it was
    for shard in shards:
        data = json.loads(shard.read_bytes())
        assert data["meta"]["1"]["schema"] == 5
        assert all(t in names for r in data["annotations"].values() for t in r["themes"])
    assert {r["id"] for r in json.loads(store_path.read_bytes())["themes"].values()} == set(names)


def test_a_memo_deleted_on_one_side_stays_deleted(tmp_path: Path) -> None:
    from tui.memos import MemoKey

    _, ours, theirs = _sides(tmp_path)
    base = Store(tmp_path / "base.json")
    for store in (base, ours, theirs):
        store.set_memo(MemoKey("theme", "a"), "about a\n")
        store.set_memo(MemoKey("project"), "the project\n")
    ours.set_memo(MemoKey("theme", "a"), "")  # deleted here
    theirs.set_memo(MemoKey("project"), "the project, edited\n")  # another memo changed there
    merged, _ = merge_stores(_codebook(base), _codebook(ours), _codebook(theirs))
    assert [(r["kind"], r["text"]) for r in merged["memos"].values()] == [("project", "the project, edited\n")]


def test_a_theme_s_memo_edited_on_one_branch_follows_its_rename_on_the_other(repo: Path, coded: Path) -> None:
    from tui.memos import MemoKey

    Store(coded).set_memo(MemoKey("theme", "sanctions"), "about sanctions\n")
    commit(repo, "a memo")
    branch(repo, "renames")
    Store(coded).rename_theme("sanctions", "measures")  # the memo moves with it here
    commit(repo, "rename")
    branch(repo, "edits")
    Store(coded).set_memo(MemoKey("theme", "sanctions"), "about sanctions, edited\n")
    commit(repo, "memo edited")
    git(repo, "checkout", "-q", "renames")
    merge(repo, "edits")
    assert Store(coded).memos() == {MemoKey("theme", "measures"): "about sanctions, edited\n"}
