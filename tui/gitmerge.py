"""Merging two coders' stores the way git merges source, and setting git up to do it.

``merge_stores(base, ours, theirs)`` is a three-way merge record by record: annotations are matched by their id,
themes by their name. A record one side changed and the other left alone takes the change (a deletion too); one
both sides added or changed alike is kept once; one both sides changed differently keeps our version with the
other version in its ``conflict`` field (a deletion as ``{"deleted": true}``), for ``list`` and the reader to
flag until ``marginalia resolve`` picks one. Nothing is ever dropped silently and the output is never a text
conflict. TinyDB's record numbers are renumbered where both sides used the same one for different records.
git merges the store file by file: each shard (one document's annotations) on its own, and the codebook (themes,
the paths where each text was seen, metadata set by hand); two stores from before shards merge whole.

``setup(work_tree, store, command)`` registers the merge driver (``.gitattributes`` plus ``git config``) and
keeps the store's backups, lock and temporary files out of git (``.gitignore``).
"""

from __future__ import annotations

import os
import shlex
import subprocess
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Any

from .files import write_atomically
from .model import theme_key
from .storage import (
    MIGRATIONS,
    SCHEMA,
    SHARD_TABLES,
    TABLES,
    check_tables,
    dump,
    is_live,
    parse,
    schema_of,
    shard_data,
    shard_document,
    validate,
)  # fmt: skip

DELETED = {"deleted": True}
DRIVER = "marginalia"


class MergeError(Exception):
    """A side that is not a store this marginalia can read; the message is one line."""


@dataclass
class MergeReport:
    conflicts: list[str] = field(default_factory=list)  # annotation ids kept with both versions
    theme_conflicts: list[str] = field(default_factory=list)  # themes changed differently on both sides
    joined: list[str] = field(default_factory=list)  # names two themes had after the merge (made one)
    memo_conflicts: list[str] = field(default_factory=list)  # memos rewritten on both sides (both texts kept)
    added: int = 0
    deleted: int = 0
    changed: int = 0

    def lines(self) -> list[str]:
        out = [f"marginalia: merged the store ({self.added} added, {self.changed} changed, {self.deleted} deleted)"]
        if self.conflicts:
            out.append(
                f"marginalia: {len(self.conflicts)} annotation(s) edited on both sides kept with both versions: "
                "see `marginalia list --conflicts`, then `marginalia resolve ID`"
            )
        for what in self.theme_conflicts:
            out.append(
                f"marginalia: theme {what} was changed on both sides: both versions kept, see `marginalia themes`; "
                "rename, recolour or describe it to settle"
            )
        for name in self.joined:
            out.append(f"marginalia: two themes were named {name!r} (one on each side): joined into one")
        for what in self.memo_conflicts:
            out.append(f"marginalia: the memo on {what} was rewritten on both sides; both texts kept, ours first")
        return out


def load_side(raw: bytes, what: str) -> dict[str, Any] | None:
    """A side's bytes as a store at the current schema (migrated in memory); None for an empty side (a file the
    common ancestor did not have)."""
    if not raw.strip():
        return None
    try:
        data = parse(raw)
    except (ValueError, UnicodeDecodeError) as error:
        raise MergeError(f"{what}: not a marginalia store ({error})") from None
    problem = check_tables(data, SHARD_TABLES if isinstance(data, dict) and shard_document(data) else TABLES)
    if problem:
        raise MergeError(f"{what}: not a marginalia store ({problem})")
    schema = schema_of(data)
    if type(schema) is not int or (schema != SCHEMA and schema not in MIGRATIONS):
        raise MergeError(f"{what}: store schema {schema!r} is not one this marginalia can merge ({SCHEMA})")
    while schema != SCHEMA:
        data = MIGRATIONS[schema](data)
        schema = schema_of(data)
    problem = validate(data)
    if problem:
        raise MergeError(f"{what}: the store is damaged ({problem})")
    return data


def _by_id(data: dict[str, Any] | None) -> dict[str, tuple[str, dict[str, Any]]]:
    records = (data or {}).get("annotations") or {}
    return {r["id"]: (key, r) for key, r in records.items()}


def _by_theme_id(data: dict[str, Any] | None) -> dict[str, tuple[str, dict[str, Any]]]:
    records = (data or {}).get("themes") or {}
    return {r["id"]: (key, r) for key, r in records.items()}


def _plain(record: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in record.items() if k != "conflict"}


def _with_conflict(kept: dict[str, Any], other: dict[str, Any] | None) -> dict[str, Any]:
    """``kept`` with ``other`` (None: deleted) and every version either already carried, each once."""
    versions: list[dict[str, Any]] = []
    for version in [*(kept.get("conflict") or []), DELETED if other is None else _plain(other),
                    *((other or {}).get("conflict") or [])]:  # fmt: skip
        if version != _plain(kept) and version not in versions:
            versions.append(version)
    result = _plain(kept)
    if versions:
        result["conflict"] = versions
    return result


def _three_way(
    base: dict[str, Any] | None, ours: dict[str, Any] | None, theirs: dict[str, Any] | None
) -> tuple[dict[str, Any] | None, bool]:
    """The merged record (None: deleted) and whether it is a conflict."""
    if ours == theirs:
        return ours, False
    if base is None and (ours is None or theirs is None):  # added on one side only
        return ours if ours is not None else theirs, False
    if base is not None and ours == base:
        return theirs, False
    if base is not None and theirs == base:
        return ours, False
    if ours is None:  # deleted here, changed there: keep their change, and our deletion as the other version
        assert theirs is not None
        return _with_conflict(theirs, None), True
    return _with_conflict(ours, theirs), True


def _number(records: dict[str, dict[str, Any]], wanted: list[tuple[str | None, str | None, dict[str, Any]]]) -> None:
    """Put each record at our number, else theirs, else the next free one (so unchanged records keep theirs)."""
    later = []
    for our_key, their_key, record in wanted:
        key = our_key if our_key is not None else their_key
        if key is not None and key not in records and (our_key is not None or not _ours_elsewhere(wanted, key)):
            records[key] = record
        else:
            later.append(record)
    top = max((int(k) for k in records), default=0)
    for record in later:
        top += 1
        records[str(top)] = record


def _ours_elsewhere(wanted: list[tuple[str | None, str | None, dict[str, Any]]], key: str) -> bool:
    return any(our_key == key for our_key, _, _ in wanted)


def merge_stores(
    base: dict[str, Any] | None, ours: dict[str, Any] | None, theirs: dict[str, Any] | None
) -> tuple[dict[str, Any], MergeReport]:
    report = MergeReport()
    b, o, t = _by_id(base), _by_id(ours), _by_id(theirs)
    wanted: list[tuple[str | None, str | None, dict[str, Any]]] = []
    for annotation_id in sorted(set(o) | set(t) | set(b)):
        in_base, in_ours, in_theirs = (side.get(annotation_id) for side in (b, o, t))
        merged, conflict = _three_way(*(x[1] if x else None for x in (in_base, in_ours, in_theirs)))
        if conflict:
            report.conflicts.append(annotation_id)
        if merged is None:
            report.deleted += in_ours is not None
            continue
        if in_ours is None:
            report.added += 1
        elif merged != in_ours[1]:
            report.changed += 1
        wanted.append((in_ours[0] if in_ours else None, in_theirs[0] if in_theirs else None, merged))
    annotations: dict[str, dict[str, Any]] = {}
    _number(annotations, wanted)

    # a codebook merged without its annotations (they are in the shards) cannot tell whether the other side still
    # uses a theme one side removed outright (a store from before deletions left the theme's id behind): it keeps
    # it, so no annotation ever names a theme the codebook lacks
    codebook_only = not any((side or {}).get("annotations") for side in (base, ours, theirs))
    themes_wanted = _merge_themes(base, ours, theirs, codebook_only, report)
    used = {t for r in annotations.values() for t in r["themes"]}
    have = {r["id"] for _, _, r in themes_wanted}
    sides = [_by_theme_id(side) for side in (ours, theirs, base)]
    for theme in sorted(used - have):  # removed on one side, used by the other side's new annotations
        source = next((side[theme] for side in sides if theme in side), None)
        if source is not None:
            themes_wanted.append((None, None, dict(source[1])))
    themes: dict[str, dict[str, Any]] = {}
    _number(themes, themes_wanted)
    present = [side for side in (base, ours, theirs) if side is not None]
    document = next((d for side in present if (d := shard_document(side)) is not None), None)
    if document is not None:  # one document's shard
        merged_store = shard_data(document, annotations)
    else:  # the codebook (and the annotations, for two stores from before shards)
        merged_store = {"meta": {"1": {"schema": SCHEMA}}, "themes": themes}
        if annotations:
            merged_store["annotations"] = annotations
        merged_store["documents"] = _merge_documents(present)
        merged_store["metadata"] = _merge_metadata(base, ours, theirs)
        memos: dict[str, dict[str, Any]] = {}
        names = {r["id"]: r["name"] for r in themes.values()}
        _number(memos, _merge_memos(base, ours, theirs, names, report))
        merged_store["memos"] = memos
    problem = validate(merged_store)
    if problem:  # a bug, never a silently broken store
        raise MergeError(f"the merged store would be damaged ({problem})")
    return merged_store, report


def _merge_themes(
    base: dict[str, Any] | None,
    ours: dict[str, Any] | None,
    theirs: dict[str, Any] | None,
    codebook_only: bool,
    report: MergeReport,
) -> list[tuple[str | None, str | None, dict[str, Any]]]:
    """The codebook's themes merged three-way by id: a rename, merge (``into``) or deletion on one side is taken;
    one changed differently on both sides keeps a live version with the others in its ``conflict`` field (for
    ``marginalia themes`` to show until a rename settles it). Then what the two sides can only break together is
    mended: a merge into a theme the other side removed, two themes merged into each other, and two live themes
    with one name (a rename here, a new theme there: joined, one merged into the other)."""
    bt, ot, tt = _by_theme_id(base), _by_theme_id(ours), _by_theme_id(theirs)
    merged: dict[str, tuple[str | None, str | None, dict[str, Any]]] = {}
    for theme in sorted(set(ot) | set(tt) | set(bt)):
        in_base, in_ours, in_theirs = (side.get(theme) for side in (bt, ot, tt))
        versions = [x[1] if x else None for x in (in_base, in_ours, in_theirs)]
        if codebook_only and versions[0] is not None and (versions[1] is None) != (versions[2] is None):
            record = versions[1] or versions[2]
        else:
            record, conflict = _three_way(*versions)
            if conflict:
                record = _theme_conflict(versions[0], versions[1], versions[2], report)
        if record is not None:
            merged[theme] = (in_ours[0] if in_ours else None, in_theirs[0] if in_theirs else None, record)
    history = [bt, ot, tt]
    _mend_merges(merged, history, report)
    _join_namesakes(merged, bt, report)
    return list(merged.values())


def _plain_theme(record: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in record.items() if k != "conflict"}


def _theme_conflict(
    base: dict[str, Any] | None, ours: dict[str, Any] | None, theirs: dict[str, Any] | None, report: MergeReport
) -> dict[str, Any]:
    """A theme both sides changed differently: the first live version of ours, theirs, base is kept (so a theme
    merged or deleted here and renamed there stays, and one merged into two different themes stays as it was),
    with every other version in its ``conflict`` field."""
    candidates = [v for v in (ours, theirs, base) if v is not None]
    kept = next((v for v in candidates if is_live(v)), candidates[0])
    others: list[dict[str, Any]] = []
    for version in (ours, theirs, *((kept.get("conflict") or []) if kept else [])):
        if version is None:
            continue
        for one in (_plain_theme(version), *(version.get("conflict") or [])):
            if one != _plain_theme(kept) and one not in others:
                others.append(one)
    result = _plain_theme(kept)
    if others and is_live(result):
        result["conflict"] = others
    report.theme_conflicts.append(f"{result['name']!r} ({'; '.join(_describe(v) for v in (ours, theirs))})")
    return result


def _describe(version: dict[str, Any] | None) -> str:
    if version is None:
        return "removed"
    if version.get("deleted"):
        return "deleted"
    if "into" in version:
        return f"merged into theme {version['into']}"
    return f"{version['name']!r} {version['colour']}"


def _live_version(history: list[dict[str, tuple[str, dict[str, Any]]]], theme: str) -> dict[str, Any] | None:
    found = [side[theme][1] for side in history if theme in side]
    return next((_plain_theme(v) for v in found if is_live(v)), None)


def _mend_merges(
    merged: dict[str, tuple[str | None, str | None, dict[str, Any]]],
    history: list[dict[str, tuple[str, dict[str, Any]]]],
    report: MergeReport,
) -> None:
    """A theme merged into one the other side removed, or two themes merged into each other (each side one way):
    the theme comes back to life (its last live version), flagged, rather than its annotations losing it."""
    for theme in sorted(merged):
        chain = [theme]
        record = merged[theme][2]
        while "into" in record and record["into"] in merged and record["into"] not in chain:
            chain.append(record["into"])
            record = merged[record["into"]][2]
        if "into" not in record:
            continue
        circle = record["into"] in merged  # else the last of the chain is merged into a theme that is gone
        victim = min(chain[chain.index(record["into"]) :]) if circle else chain[-1]
        revived = _live_version(history, victim)
        our_key, their_key, gone = merged[victim]
        if revived is None:
            revived = {"id": victim, "name": gone["name"], "deleted": True}
        else:
            revived["conflict"] = [_plain_theme(gone)]
        merged[victim] = (our_key, their_key, revived)
        report.theme_conflicts.append(f"{gone['name']!r} (merged into a theme the other side merged or removed)")


def _join_namesakes(
    merged: dict[str, tuple[str | None, str | None, dict[str, Any]]],
    base: dict[str, tuple[str, dict[str, Any]]],
    report: MergeReport,
) -> None:
    """Two live themes with one name (both sides made it, or one renamed a theme to a name the other made): one
    theme, the other merged into it (the one the base had, else the smaller id), as ``theme merge`` would."""
    by_name: dict[str, list[str]] = {}
    for theme, (_, _, record) in merged.items():
        if is_live(record):
            by_name.setdefault(theme_key(record["name"]), []).append(theme)
    for ids in by_name.values():
        if len(ids) < 2:
            continue
        keep = min(ids, key=lambda i: (i not in base, i))
        for theme in ids:
            if theme != keep:
                our_key, their_key, record = merged[theme]
                merged[theme] = (our_key, their_key, {"id": theme, "name": record["name"], "into": keep})
        report.joined.append(merged[keep][2]["name"])


def _merge_memos(
    base: dict[str, Any] | None,
    ours: dict[str, Any] | None,
    theirs: dict[str, Any] | None,
    names: dict[str, str],
    report: MergeReport,
) -> list[tuple[str | None, str | None, dict[str, Any]]]:
    """Memos matched by what they are on; one both sides rewrote differently keeps both texts, ours first. A theme's
    memo is stored under the theme's name, so it is matched by the theme's id (the name on its own side) and named
    as the merged codebook names that id (``names``): renamed on one branch and edited on the other, it follows the
    rename."""
    from .memos import MemoKey

    def key_of(record: dict[str, Any], ids: dict[str, str]) -> tuple[str, str]:
        match = MemoKey(record["kind"], record["name"]).match
        if record["kind"] == "theme" and match in ids:
            return ("theme id", ids[match])
        return (record["kind"], match)

    def by_key(data: dict[str, Any] | None) -> dict[tuple[str, str], tuple[str, dict[str, Any]]]:
        records = (data or {}).get("memos") or {}
        live = [t for t in ((data or {}).get("themes") or {}).values() if "into" not in t and not t.get("deleted")]
        ids = {MemoKey("theme", t["name"]).match: t["id"] for t in live if "id" in t}
        return {key_of(r, ids): (k, r) for k, r in records.items()}

    bm, om, tm = by_key(base), by_key(ours), by_key(theirs)
    wanted: list[tuple[str | None, str | None, dict[str, Any]]] = []
    for key in sorted(set(om) | set(tm) | set(bm)):
        in_base, in_ours, in_theirs = (side.get(key) for side in (bm, om, tm))
        texts = [x[1]["text"] if x else None for x in (in_base, in_ours, in_theirs)]
        merged, conflict = _three_way(*({"text": t} if t is not None else None for t in texts))
        if merged is None:
            continue
        source = in_ours or in_theirs
        assert source is not None
        record = dict(source[1])
        if key[0] == "theme id" and key[1] in names:
            record["name"] = names[key[1]]
        if conflict:
            kept = [t for t in texts[1:] if t]
            record["text"] = "\n\n---\n\n".join(t.strip("\n") for t in kept) + "\n"
            report.memo_conflicts.append(MemoKey(record["kind"], record["name"]).heading())
        else:
            record["text"] = merged["text"]
        wanted.append((in_ours[0] if in_ours else None, in_theirs[0] if in_theirs else None, record))
    return wanted


def _merge_documents(sides: list[dict[str, Any]]) -> dict[str, Any]:
    """Every path where a text was seen, on either side (a list that only grows)."""
    paths: dict[str, set[str]] = {}
    for side in sides:
        for record in (side.get("documents") or {}).values():
            paths.setdefault(record["fingerprint"], set()).update(record["paths"])
    return {
        str(n): {"fingerprint": fingerprint, "paths": sorted(found)}
        for n, (fingerprint, found) in enumerate(sorted(paths.items()), 1)
    }


def _merge_metadata(*sides: dict[str, Any] | None) -> dict[str, Any]:
    """Metadata set by hand, per document path, merged three-way (set differently on both sides: ours)."""
    by_path = [{r["path"]: r for r in ((side or {}).get("metadata") or {}).values()} for side in sides]
    base, ours, theirs = by_path
    kept = []
    for path in sorted(set(ours) | set(theirs) | set(base)):
        merged, conflict = _three_way(base.get(path), ours.get(path), theirs.get(path))
        if conflict:
            merged = ours.get(path) or theirs.get(path)
        if merged is not None:
            kept.append({k: v for k, v in merged.items() if k != "conflict"})
    return {str(n): record for n, record in enumerate(kept, 1)}


def merge_files(base: Path, ours: Path, theirs: Path, label: str = "") -> MergeReport:
    """git's merge driver: merge the three versions and write the result over ``ours`` (``%A``)."""
    name = label or str(ours)
    sides = [load_side(path.read_bytes(), f"{name} ({which})") for path, which in
             ((base, "base"), (ours, "ours"), (theirs, "theirs"))]  # fmt: skip
    merged, report = merge_stores(*sides)
    write_atomically(Path(os.path.realpath(ours)), dump(merged))  # no backups: git keeps the history
    return report


# -- git setup -----------------------------------------------------------------------------------------------------
def work_tree(folder: Path) -> Path:
    """The top of the git work tree holding ``folder``."""
    try:
        done = subprocess.run(
            ["git", "rev-parse", "--show-toplevel"], cwd=folder, capture_output=True, text=True, timeout=30, check=False
        )
    except FileNotFoundError:
        raise MergeError("git is not installed") from None
    except OSError as error:
        raise MergeError(f"cannot run git ({error})") from None
    if done.returncode != 0:
        raise MergeError(f"{folder}: not inside a git work tree (run git init first)")
    return Path(done.stdout.strip()).resolve()


def _pattern(path: PurePosixPath) -> str:
    """A gitattributes/gitignore pattern for exactly this path (anchored; spaces and glob characters escaped)."""
    out = []
    for ch in str(path):
        out.append(f"[{ch}]" if ch in " *?[]\\#!" else ch)
    return "/" + "".join(out)


def ignore_rules(relative: PurePosixPath) -> list[str]:
    folder = relative.parent
    name = _pattern(PurePosixPath(relative.name))[1:]
    under = "" if str(folder) == "." else _pattern(folder)
    return [
        f"{under}/{name}.bak-*",  # rotating backups
        f"{under}/{name}.schema-*.bak",  # the copy kept before a schema migration
        f"{under}/{name}.lock",  # the cross-process lock
        f"{under}/.{name}.*.tmp",  # an atomic write's temporary file
        f"{under}/{name}.journal",  # a change to several files, while it is made
        f"{under}/{name}.d/*.bak-*",  # the shards' backups and temporary files
        f"{under}/{name}.d/.*.tmp",
    ]


def attributes(relative: PurePosixPath) -> list[str]:
    """The store's files that merge through the driver: the codebook and every shard."""
    return [f"{_pattern(relative)} merge={DRIVER}", f"{_pattern(relative)}.d/*.json merge={DRIVER}"]


def _add_lines(path: Path, lines: list[str], header: str) -> bool:
    existing = path.read_text(encoding="utf-8").splitlines() if path.exists() else []
    missing = [line for line in lines if line not in existing]
    if not missing:
        return False
    text = "\n".join(existing)
    if text and not text.endswith("\n"):
        text += "\n"
    text += ("\n" if text else "") + header + "\n" + "\n".join(missing) + "\n"
    write_atomically(Path(os.path.realpath(path)), text.encode("utf-8"))
    return True


def driver_command(program: list[str]) -> str:
    return " ".join(shlex.quote(part) for part in program) + " git merge %O %A %B %P"


def setup(store: Path, program: list[str]) -> list[str]:
    """Register the merge driver for ``store`` in the git work tree holding it (the store and its folder need not
    exist yet); returns what it did, one line each."""
    real = Path(os.path.realpath(store))
    folder = real.parent
    while not folder.is_dir() and folder != folder.parent:
        folder = folder.parent
    try:
        top = work_tree(folder)
    except MergeError:
        raise MergeError(
            f"{store}: the store is not inside a git work tree (run git init there, or give --store a path inside "
            "one, or set MARGINALIA_STORE)"
        ) from None
    relative = PurePosixPath(real.relative_to(top).as_posix())
    done = []
    rules = attributes(relative)
    if _add_lines(top / ".gitattributes", rules, "# marginalia's store merges annotation by annotation"):
        done.append(f"{top / '.gitattributes'}: {'; '.join(rules)}")
    if _add_lines(top / ".gitignore", ignore_rules(relative), "# marginalia: backups, lock and temporary files"):
        done.append(f"{top / '.gitignore'}: the store's backups, lock and temporary files ignored")
    command = driver_command(program)
    for key, value in ((f"merge.{DRIVER}.name", "marginalia annotation store"), (f"merge.{DRIVER}.driver", command)):
        config = ["git", "config", key, value]
        result = subprocess.run(config, cwd=top, capture_output=True, text=True, timeout=30, check=False)
        if result.returncode != 0:
            raise MergeError(f"git config {key} failed: {result.stderr.strip()}")
    done.append(f"git config merge.{DRIVER}.driver {command}")
    return done


def own_program() -> list[str]:
    """How git should run this marginalia from any shell: the absolute path of the installed command, else this
    Python running the package."""
    import sys

    argv0 = Path(sys.argv[0]) if sys.argv and sys.argv[0] else None
    if argv0 is not None and argv0.name.startswith("marginalia") and argv0.exists():
        return [str(argv0.resolve())]
    return [str(Path(sys.executable).absolute()), "-m", "tui"]
