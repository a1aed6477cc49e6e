"""EPUB and DOCX are zip files of XML: members read with a cap on what they inflate to (zip bombs), XML parsed
without network access or entity expansion beyond the standard library's (expat's) protections."""

from __future__ import annotations

import io
import zipfile
from xml.etree import ElementTree

from . import FormatError

MAX_INFLATED = 256 * 1024 * 1024  # all members read from one file, together
MAX_MEMBERS = 10_000
_CHUNK = 1 << 20


def zip_kind(data: bytes) -> str | None:
    """ "epub" or "docx" for a zip that is one, else None."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            names = set(archive.namelist())
            # the mimetype member, or the container file where a sloppy tool left the mimetype out
            if "META-INF/container.xml" in names or (
                "mimetype" in names
                and archive.getinfo("mimetype").file_size < 100
                and archive.read("mimetype").strip() == b"application/epub+zip"
            ):
                return "epub"
            if "word/document.xml" in names:
                return "docx"
    except (zipfile.BadZipFile, OSError, ValueError, EOFError, NotImplementedError):
        return None
    return None


class Archive:
    """A zip read member by member, all of them together inflating to at most ``limit`` bytes."""

    def __init__(self, data: bytes, what: str, limit: int = MAX_INFLATED) -> None:
        self.what = what
        self.budget = limit
        self.limit = limit
        try:
            self.zip = zipfile.ZipFile(io.BytesIO(data))
            infos = self.zip.infolist()
        except (zipfile.BadZipFile, OSError, ValueError, EOFError) as error:
            raise FormatError(f"not a readable {what} (damaged zip: {error})") from None
        if len(infos) > MAX_MEMBERS:
            raise FormatError(f"refused: a {what} of {len(infos)} files (a zip bomb?)")
        declared = sum(i.file_size for i in infos)
        if declared > limit:
            raise FormatError(
                f"refused: it would inflate to {declared // 2**20} MiB, over {limit // 2**20} MiB (a zip bomb?)"
            )
        self.names = {i.filename for i in infos}

    def read(self, name: str) -> bytes:
        """One member, counting what it inflates to (the sizes a zip declares can lie)."""
        if name not in self.names:
            raise FormatError(f"not a readable {self.what} ({name} is missing)")
        parts = []
        try:
            with self.zip.open(name) as member:
                while chunk := member.read(_CHUNK):
                    self.budget -= len(chunk)
                    if self.budget < 0:
                        raise FormatError(f"refused: it inflates past {self.limit // 2**20} MiB (a zip bomb?)")
                    parts.append(chunk)
        except (zipfile.BadZipFile, OSError, ValueError, EOFError, NotImplementedError) as error:
            raise FormatError(f"not a readable {self.what} (damaged {name}: {error})") from None
        return b"".join(parts)

    def xml(self, name: str) -> ElementTree.Element:
        return parse_xml(self.read(name), f"{self.what}'s {name}")


def parse_xml(data: bytes, what: str) -> ElementTree.Element:
    if b"<!ENTITY" in data[:65536]:
        raise FormatError(f"refused: {what} declares XML entities")
    try:
        return ElementTree.fromstring(data)
    except ElementTree.ParseError as error:
        raise FormatError(f"{what} is not well-formed XML ({error})") from None
