"""The store through git (issue 16): a canonical file, ``marginalia git init``, and the merge driver, driven
through real git in temporary folders."""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

import pytest
from conftest import ASMOLOV, PROMA, annotation, copy_store, read_store

from tui.document import load_document
from tui.gitmerge import merge_stores
from tui.storage import dump, parse, shard_folder, shard_name
from tui.store import Store

pytestmark = pytest.mark.skipif(subprocess.run(["git", "--version"], capture_output=True).returncode != 0,
                                reason="git is not installed")  # fmt: skip


def git(repo: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = dict(os.environ, GIT_AUTHOR_NAME="t", GIT_AUTHOR_EMAIL="t@example.org", GIT_COMMITTER_NAME="t",
               GIT_COMMITTER_EMAIL="t@example.org", GIT_CONFIG_NOSYSTEM="1")  # fmt: skip
    done = subprocess.run(["git", *args], cwd=repo, capture_output=True, text=True, env=env, timeout=60)
    assert done.returncode == 0, f"git {' '.join(args)}: {done.stdout}{done.stderr}"
    return done


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    folder = tmp_path / "project"
    folder.mkdir()
    git(folder, "init", "-q", "-b", "main")
    return folder


def test_git_init_sets_up_the_driver_and_ignore_rules_before_the_store_exists(cli, repo: Path) -> None:
    store = repo / "coding" / "annotations.json"
    done = cli("git", "init", "--store", store)
    assert done.code == 0, done.err
    assert not store.exists()
    attributes = (repo / ".gitattributes").read_text().splitlines()
    assert "/coding/annotations.json merge=marginalia" in attributes
    assert "/coding/annotations.json.d/*.json merge=marginalia" in attributes
    ignores = (repo / ".gitignore").read_text().splitlines()
    for rule in ("/coding/annotations.json.bak-*", "/coding/annotations.json.lock",
                 "/coding/annotations.json.schema-*.bak", "/coding/.annotations.json.*.tmp"):  # fmt: skip
        assert rule in ignores
    driver = git(repo, "config", "merge.marginalia.driver").stdout.strip()
    assert driver.endswith(" git merge %O %A %B %P") and driver.split()[0].startswith("/")  # an absolute path
    cli("git", "init", "--store", store)  # a second run adds nothing twice
    assert (repo / ".gitattributes").read_text().count("merge=marginalia") == 2
    assert (repo / ".gitignore").read_text().count(".lock") == 1
    # what git add -A takes: the store, never its backups or lock
    Store(store).add(annotation())
    Store(store).add(annotation(6, 9))
    git(repo, "add", "-A")
    staged = git(repo, "diff", "--cached", "--name-only").stdout.split()
    shard = f"coding/annotations.json.d/{shard_name('/doc.txt')}"
    assert sorted(staged) == [".gitattributes", ".gitignore", "coding/annotations.json", shard]


def test_git_init_for_a_store_outside_any_work_tree_is_a_clear_error(cli, tmp_path: Path) -> None:
    lonely = tmp_path / "lonely" / "s.json"
    done = cli("git", "init", "--store", lonely)
    assert (done.code, done.out) == (1, "")
    assert (
        done.err == f"marginalia: error: {lonely}: the store is not inside a git work tree (run git init there, "
        "or give --store a path inside one, or set MARGINALIA_STORE)\n"
    )


def test_one_changed_annotation_is_one_changed_line(store: Store) -> None:
    made = [store.add(annotation(n, n + 3)) for n in range(0, 30, 3)]
    shard = shard_folder(store.path) / shard_name("/doc.txt")
    before = shard.read_bytes().splitlines()
    store.update(made[4].id, note="a note")
    after = shard.read_bytes().splitlines()
    assert len(before) == len(after)
    changed = [n for n, (a, b) in enumerate(zip(before, after)) if a != b]
    assert len(changed) == 1 and made[4].id.encode() in after[changed[0]]
    assert dump(parse(shard.read_bytes())) == shard.read_bytes()  # canonical: a re-dump is identical


def _data(store: Store) -> dict:
    return read_store(store.path)


def test_merge_stores_three_way(tmp_path: Path) -> None:
    base = Store(tmp_path / "base.json", coder="ana")
    kept, edited, gone, both = (base.add(annotation(n, n + 2, ["t"])) for n in (0, 10, 20, 30))
    base_data = _data(base)
    copy_store(base.path, tmp_path / "ours.json")
    copy_store(base.path, tmp_path / "theirs.json")
    ours, theirs = Store(tmp_path / "ours.json", coder="ana"), Store(tmp_path / "theirs.json", coder="bo")
    ours_new = ours.add(annotation(40, 45, ["mine"]))  # both sides add record number 5
    theirs_new = theirs.add(annotation(50, 55, ["theirs"]))
    theirs.update(edited.id, note="bo's note")  # only one side edits: taken
    ours.delete(gone.id)  # only one side deletes: honoured
    ours.update(both.id, note="ana's")  # both edit: a conflict with both versions
    theirs.update(both.id, note="bo's")
    merged, report = merge_stores(base_data, _data(ours), _data(theirs))
    records = {r["id"]: r for r in merged["annotations"].values()}
    assert set(records) == {kept.id, edited.id, both.id, ours_new.id, theirs_new.id}
    assert records[edited.id]["note"] == "bo's note"
    assert records[both.id]["note"] == "ana's" and [v["note"] for v in records[both.id]["conflict"]] == ["bo's"]
    assert report.conflicts == [both.id] and (report.added, report.changed, report.deleted) == (1, 2, 0)
    assert len(merged["annotations"]) == 5  # renumbered, nothing overwritten
    assert {t["name"] for t in merged["themes"].values()} == {"t", "mine", "theirs"}
    # no churn: the lines of records nobody touched are the lines ours had
    ours_lines = set(dump(_data(ours)).splitlines())
    kept_line = next(line for line in dump(merged).splitlines() if kept.id.encode() in line)
    assert kept_line in ours_lines


def test_an_annotation_edited_on_one_side_and_deleted_on_the_other_is_kept_as_a_conflict(tmp_path: Path) -> None:
    base = Store(tmp_path / "base.json", coder="ana")
    made = base.add(annotation())
    base_data = _data(base)
    ours = Store(tmp_path / "ours.json", coder="ana")
    ours.add(annotation(9, 12))
    ours.put(made)
    ours.update(made.id, note="edited")
    theirs = dict(base_data, annotations={})
    merged, _ = merge_stores(base_data, _data(ours), theirs)
    [record] = [r for r in merged["annotations"].values() if r["id"] == made.id]
    assert record["note"] == "edited" and record["conflict"] == [{"deleted": True}]
    resolved = tmp_path / "merged.json"
    resolved.write_bytes(dump(merged))
    assert Store(resolved).resolve(made.id, 1) is None  # take the deletion
    assert [a.id for a in Store(resolved).annotations()] != [made.id]


def test_two_coders_on_two_branches_merge_through_git(cli, repo: Path, monkeypatch) -> None:
    """The issue's test: two coders on two branches over the seeds, a real ``git merge``, every annotation
    checked, and ``agree`` on the merged store against a hand computation."""
    store_path = repo / "annotations.json"
    monkeypatch.setenv("MARGINALIA_STORE", str(store_path))
    monkeypatch.chdir(repo)
    seeds = repo / "seeds"
    seeds.mkdir()
    asmolov, proma = seeds / ASMOLOV.name, seeds / PROMA.name
    asmolov.write_bytes(ASMOLOV.read_bytes())
    proma.write_bytes(PROMA.read_bytes())
    assert cli("git", "init").code == 0
    # the shared start: ana codes "sanctions" in both articles
    for doc in (asmolov, proma):
        assert cli("tag", doc, "--match", "sanctions", "--theme", "sanctions", "--coder", "ana").code == 0
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", "start")
    start = {a.id: a for a in Store(store_path).annotations()}
    assert len(start) == 12

    git(repo, "checkout", "-q", "-b", "ana")
    ana = Store(store_path, coder="ana")
    cli("tag", asmolov, "--match", "Shoigu", "--theme", "people", "--coder", "ana")
    cli("tag", asmolov, "--match", "Pyongyang", "--theme", "places", "--coder", "ana")
    first_p = sorted((a for a in start.values() if a.document.path == str(proma)), key=lambda a: a.start)
    ana.delete(first_p[0].id)  # ana drops one of her own
    ana.update(first_p[1].id, note="ana: the UN regime")  # edited on both branches
    git(repo, "commit", "-q", "-am", "ana codes")

    git(repo, "checkout", "-q", "main")
    git(repo, "checkout", "-q", "-b", "bo")
    bo = Store(store_path, coder="bo")
    cli("tag", asmolov, "--match", "Shoigu", "--theme", "people", "--first", "--coder", "bo")
    cli("tag", asmolov, "--match", "Pyongyang", "--theme", "places", "--coder", "bo")
    cli("tag", asmolov, "--match", "munitions", "--theme", "people", "--coder", "bo")
    bo.update(first_p[1].id, note="bo: unilateral sanctions")
    bo.update(first_p[2].id, themes=["sanctions", "economy"])  # only bo touches this one
    git(repo, "commit", "-q", "-am", "bo codes")
    bo_records = {a.id: a for a in Store(store_path).annotations()}

    git(repo, "checkout", "-q", "ana")
    ana_records = {a.id: a for a in Store(store_path).annotations()}
    done = git(repo, "merge", "-q", "--no-edit", "bo")
    assert "CONFLICT" not in done.stdout + done.stderr
    assert "<<<<<<<" not in store_path.read_text(encoding="utf-8")
    merged = {a.id: a for a in Store(store_path).annotations()}

    # every annotation: both sides' additions, ana's deletion, bo's one-sided edit, the conflict with both notes
    expected = (set(ana_records) | set(bo_records)) - {first_p[0].id}
    assert set(merged) == expected
    for annotation_id, a in merged.items():
        if annotation_id == first_p[1].id:
            assert a.note == "ana: the UN regime" and [v["note"] for v in a.conflict or []] == [
                "bo: unilateral sanctions"
            ]
        elif annotation_id == first_p[2].id:
            assert a.themes == ["sanctions", "economy"] and not a.conflicted
        else:
            source = ana_records.get(annotation_id) or bo_records[annotation_id]
            assert a == source
    listed = json.loads(cli("list", "--conflicts", "--format", "json").out)
    assert [x["id"] for x in listed] == [first_p[1].id]
    table = cli("list")
    assert "[conflict]" in table.out and "edited on both sides" in table.err
    assert cli("resolve", first_p[1].id[:8]).code == 1  # shows the versions, changes nothing
    assert cli("resolve", first_p[1].id[:8], "--take", "1").code == 0
    assert Store(store_path).get(first_p[1].id).note == "bo: unilateral sanctions"
    assert not Store(store_path).get(first_p[1].id).conflicted
    # the resolution changed one line of one document's shard, nothing else
    assert git(repo, "status", "--porcelain").stdout.split() == ["M", f"annotations.json.d/{shard_name(str(proma))}"]

    # agree, by hand: "people" in Asmolov's text, character by character
    text = load_document(asmolov).text

    def chars(coder: str, theme: str) -> set[int]:
        spans = [(a.start, a.end) for a in merged.values() if a.coder == coder and theme in a.themes]
        return {i for start, end in spans for i in range(start, end)}

    people_a, people_b = chars("ana", "people"), chars("bo", "people")
    n = len(text) + len(load_document(proma).text)  # both documents were coded by both
    both, only_a, only_b = len(people_a & people_b), len(people_a - people_b), len(people_b - people_a)
    neither = n - both - only_a - only_b
    po = (both + neither) / n
    pa, pb = (both + only_a) / n, (both + only_b) / n
    pe = pa * pb + (1 - pa) * (1 - pb)
    result = json.loads(cli("agree", "--coder", "ana", "--coder", "bo", "--theme", "people", "--format", "json").out)
    [people] = result["themes"]
    assert (people["both"], people["only_a"], people["only_b"], people["neither"]) == (both, only_a, only_b, neither)
    assert people["kappa"] == pytest.approx((po - pe) / (1 - pe))
    assert {d["quote"] for d in people["disagreements"]} == {"Shoigu", "munitions"}
