"""One atomic write for the store, the exports and the reader's state."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from tui.files import write_atomically


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    made = tmp_path / "out"  # tmp_path also holds the test's HOME
    made.mkdir()
    return made


def test_writes_and_replaces_keeping_the_mode(folder: Path) -> None:
    path = folder / "f.json"
    write_atomically(path, b"one")
    path.chmod(0o640)
    write_atomically(path, b"two")
    assert path.read_bytes() == b"two"
    assert path.stat().st_mode & 0o777 == 0o640
    assert os.listdir(folder) == ["f.json"]  # no temporary file left


def test_without_overwrite_an_existing_file_stays(folder: Path) -> None:
    path = folder / "f.md"
    path.write_bytes(b"theirs")
    with pytest.raises(FileExistsError):
        write_atomically(path, b"mine", overwrite=False)
    assert path.read_bytes() == b"theirs"
    assert os.listdir(folder) == ["f.md"]
    write_atomically(folder / "new.md", b"mine", overwrite=False)
    assert (folder / "new.md").read_bytes() == b"mine"
    assert sorted(os.listdir(folder)) == ["f.md", "new.md"]


def test_a_failure_before_the_replace_leaves_the_old_file(folder: Path) -> None:
    path = folder / "f.json"
    path.write_bytes(b"old")

    def fail() -> None:
        raise OSError("disk full")

    with pytest.raises(OSError, match="disk full"):
        write_atomically(path, b"new", before_replace=fail)
    assert path.read_bytes() == b"old"
    assert os.listdir(folder) == ["f.json"]
