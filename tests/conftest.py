"""Shared fixtures. Every test runs with its own HOME, XDG data folder and ``MARGINALIA_STORE`` in a temporary
folder, so no test can read or write a real user's store, and none depends on the machine's locale or terminal."""

from __future__ import annotations

import itertools
import json
import os
import re
import shlex
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest
from hypothesis import settings

import tui
from tui.model import Annotation, DocumentRef
from tui.storage import shard_folder
from tui.store import Store

settings.register_profile("marginalia", database=None, deadline=None)  # no .hypothesis folder; no flaky deadlines
settings.load_profile("marginalia")

SOURCE_ROOT = Path(tui.__file__).resolve().parent.parent  # the checkout (or site-packages) the tests import
SEEDS = SOURCE_ROOT / "seeds"
ASMOLOV = SEEDS / "asmolov-2023-shoigu-visit-comments.txt"
PROMA = SEEDS / "proma-2023-shoigu-visit-defense-cooperation.txt"


@pytest.fixture(autouse=True)
def isolated_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A private HOME and XDG data folder; the default store (``MARGINALIA_STORE``) points into tmp_path."""
    home = tmp_path / "home"
    home.mkdir()
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.setenv("XDG_DATA_HOME", str(home / "xdg-data"))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(home / "xdg-config"))  # the config file (tui.config)
    monkeypatch.setenv("XDG_STATE_HOME", str(home / "xdg-state"))  # where the reader left off
    monkeypatch.delenv("MARGINALIA_CONFIG", raising=False)
    monkeypatch.setenv("MARGINALIA_STORE", str(tmp_path / "env-store" / "annotations.json"))
    monkeypatch.setenv("COLUMNS", "160")  # table output must not depend on the terminal running the tests
    monkeypatch.setenv("LC_ALL", "C")  # nor on the locale (subprocesses inherit this)
    monkeypatch.delenv("LANG", raising=False)
    monkeypatch.delenv("MARGINALIA_CODER", raising=False)  # the coder is the login name unless a test says
    return home


def read_store(path: Path) -> dict:
    """A store as one dict, as schema 3 held it in one file: the codebook's tables, and ``annotations`` gathered
    from every shard (numbered in shard order, then record order)."""
    data = json.loads(path.read_bytes())
    records = []
    folder = shard_folder(path)
    for shard in sorted(folder.glob("*.json")) if folder.is_dir() else []:
        table = json.loads(shard.read_bytes())["annotations"]
        records += [table[key] for key in sorted(table, key=int)]
    if records or "annotations" not in data:
        data["annotations"] = {str(n): record for n, record in enumerate(records, 1)}
    return data


def copy_store(source: Path, target: Path) -> None:
    """A copy of a store's files (codebook and shards) at ``target``."""
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_bytes(source.read_bytes())
    if shard_folder(source).is_dir():
        shutil.copytree(shard_folder(source), shard_folder(target), dirs_exist_ok=True)


@pytest.fixture
def store_path(tmp_path: Path) -> Path:
    """A store path whose folder does not exist yet."""
    return tmp_path / "data" / "annotations.json"


@pytest.fixture
def store(store_path: Path) -> Store:
    return Store(store_path)


@pytest.fixture
def write_doc(tmp_path: Path):
    """write_doc(name, content) -> path; ``content`` is bytes, or text written as UTF-8."""
    folder = tmp_path / "docs"

    def write(name: str, content: bytes | str) -> Path:
        path = folder / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(content.encode("utf-8") if isinstance(content, str) else content)
        return path

    return write


@dataclass
class Result:
    code: int
    out: str
    err: str


@pytest.fixture
def cli(capsys: pytest.CaptureFixture[str]):
    """cli(*args) runs ``tui.cli.main`` in-process and returns its exit code, stdout and stderr."""
    from tui.cli import main

    def run(*args: str | os.PathLike) -> Result:
        capsys.readouterr()
        try:
            code = main([str(a) for a in args])
        except SystemExit as stop:  # argparse: --help and usage errors
            code = stop.code if isinstance(stop.code, int) else 1
        captured = capsys.readouterr()
        return Result(code, captured.out, captured.err)

    return run


def annotation(start: int = 0, end: int = 5, themes: list[str] | None = None, path: str = "/doc.txt") -> Annotation:
    """A ready-made annotation on a made-up document (the store does not read documents)."""
    ref = DocumentRef(path, "A document", "0" * 64)
    return Annotation(ref, start, end, "x" * (end - start), themes=themes if themes is not None else ["theme"])


def run_python(code: str, *args: str, timeout: float = 60, **env: str) -> subprocess.CompletedProcess[bytes]:
    """Run ``code`` in a fresh interpreter that imports the same ``tui`` as the tests (``env``: extra variables);
    its output is left as bytes."""
    return subprocess.run(
        [sys.executable, "-c", code, *args], capture_output=True, timeout=timeout, env=child_env(**env)
    )


def child_env(**extra: str) -> dict[str, str]:
    env = {**os.environ, **extra}
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(SOURCE_ROOT), env.get("PYTHONPATH")]))
    return env


def readme_example(cli, store_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    """Run the README's example commands (``### Example: the seeds by theme``) into ``store_path``; return the
    Markdown the README shows for them."""
    readme = SOURCE_ROOT / "README.md"
    if not readme.exists():
        pytest.skip("no README next to the package (an installed copy)")
    section = readme.read_text(encoding="utf-8").split("### Example: the seeds by theme", 1)[1]
    script = section.split("```sh\n", 1)[1].split("\n```", 1)[0]
    shown = section.split("````markdown\n", 1)[1].split("````", 1)[0]
    argv = shlex.split(script)
    assignments = (token.partition("=") for token in argv)  # the lines before the commands set A and P
    variables = {f"${name}": value for name, _, value in assignments if re.fullmatch("[A-Z]", name)}
    starts = [i for i, token in enumerate(argv) if token == "marginalia"] + [len(argv)]
    assert len(starts) == 10 and set(variables) == {"$A", "$P"}
    monkeypatch.chdir(SOURCE_ROOT)
    for begin, end in itertools.pairwise(starts):
        args = [variables.get(token, token) for token in argv[begin + 1 : end]]
        assert cli(*args, "--store", store_path).code == 0, args
    return shown
