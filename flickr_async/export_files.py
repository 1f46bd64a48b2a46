"""scan(paths): the files of Flickr's data export, found in its zips and unpacked folders.

The PATHs given may be the export's zips or folders they were unpacked into, in any order,
mixed. A zip is classified by what it holds, not by its name: a `photo_<id>.json`,
`albums.json`, `account_profile.json` or another file only the export writes (Flickr Mail,
comments, faves... `is_export_file`) makes it a metadata zip, a media file a media zip;
one with neither is not part of an export (one line, exit 2, before anything is written).
A zip inside a folder PATH that cannot be read is a corrupt member (reported, exit 1); a
symbolic link inside one is not followed and is named among the ignored members.
Members are indexed without unpacking and read as streams: a member's bytes reach a file
only through `extract`, which hashes them on the way and removes what it wrote when the
zip's CRC check at the end of the read fails (a truncated or corrupt member is never left
half-written). A member's name is only ever read, to classify it and to find the photo it
holds: the archive names every file it writes itself.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import math
import os
import re
import zipfile
import zlib
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

from flickr_async import export_names, layout
from flickr_async.errors import ConfigError, FlickrAsyncError
from flickr_async.sane import may_hold_surrogates, valid_json

BLOCK = 1 << 20
# A photo_<id>.json with a long comment thread and Flickr's whole EXIF is a few hundred KB;
# anything past this is no photo's record and is refused rather than read into memory.
MAX_PHOTO_JSON = 16 << 20
# albums.json, faves, contacts...: an account's lists, larger for big accounts.
MAX_ACCOUNT_JSON = 64 << 20
# The account-level JSON files an export holds besides photo_<id>.json: kept verbatim.
ACCOUNT_JSON = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,100}\.json")
METADATA_MARKERS = frozenset({"albums.json", "account_profile.json"})
# The other account-level files seen in real metadata zips (flickr-export-format.md): a
# part holding only these (Flickr Mail, comments) is a metadata zip too.
EXPORT_FILES = frozenset(
    {"account_testimonials.json", "galleries.json", "group_discussions.json", "groups.json"}
)
# ... and the families split into `<family>_partNNN.json`.
EXPORT_PARTS = frozenset(
    {
        "apps_comments",
        "contacts",
        "faves",
        "followers",
        "galleries_comments",
        "photos_comments",
        "received_flickrmail",
        "sent_flickrmail",
        "sets_comments",
    }
)
# A real export's JSON nests 4 or 5 levels (a photo's exif, notes, comments); a file nested
# past this is refused as a corrupt member before anything recursive (json.dumps) meets it.
MAX_DEPTH = 64


class NotAnExport(ConfigError):
    """A PATH that is no part of Flickr's data export: exit 2, nothing written."""


class CorruptMember(FlickrAsyncError):
    """A member whose bytes fail the zip's checks (CRC, truncation) or cannot be read."""


class TooLargeMember(FlickrAsyncError):
    """A JSON member bigger than any real one: refused, not read."""


@dataclass(frozen=True, slots=True)
class Member:
    source: int  # index into ExportIndex.sources
    name: str  # as the zip names it, or the path relative to the folder
    size: int  # what the zip's directory (or the disk) says
    # Where a zip member lies and how it is stored: what zipfile needs to open it, kept
    # here so that the zip's own directory (a ZipInfo of ~0.6 KB per member: 600 MB for
    # an export of 500,000 photos) need not stay in memory.
    offset: int = -1
    compressed: int = 0
    crc: int = 0
    method: int = 0
    flags: int = 0
    raw_name: str | None = None  # the directory's name, when zipfile cut it (a NUL)

    def zip_info(self) -> zipfile.ZipInfo:
        info = zipfile.ZipInfo(self.raw_name or self.name)
        info.header_offset = self.offset
        info.compress_size = self.compressed
        info.file_size = self.size
        info.CRC = self.crc
        info.compress_type = self.method
        info.flag_bits = self.flags
        return info

    @property
    def basename(self) -> str:
        return export_names.basename(self.name)


class HashingReader:
    """A member's stream that hashes what is read and reports a corrupt member as such."""

    def __init__(self, stream: IO[bytes], where: str) -> None:
        self._stream = stream
        self._where = where
        self._hasher = hashlib.sha256()
        self._size = 0

    def read(self, size: int, /) -> bytes:
        try:
            block = self._stream.read(size)
        except (OSError, zipfile.BadZipFile, zlib.error, EOFError) as exc:
            raise CorruptMember(f"{self._where}: corrupt ({exc})") from exc
        self._hasher.update(block)
        self._size += len(block)
        return block

    def result(self) -> tuple[int, str]:
        """(bytes, sha256) of what was read."""
        return self._size, self._hasher.hexdigest()


@dataclass
class Source:
    path: Path  # the zip, or the folder a file lies in
    zip: zipfile.ZipFile | None = None

    def describe(self, member: Member) -> str:
        return f"{self.path}:{member.name}" if self.zip else str(self.path / member.name)


@dataclass
class ExportIndex:
    """Every member of the export found in the PATHs, by kind; nothing read yet."""

    sources: list[Source] = field(default_factory=list)
    photo_json: dict[str, Member] = field(default_factory=dict)  # photo id -> its JSON
    media: list[Member] = field(default_factory=list)  # in the order found
    account: dict[str, Member] = field(default_factory=dict)  # basename -> JSON member
    duplicate_json: list[str] = field(default_factory=list)  # photo_<id>.json seen twice
    ignored: list[str] = field(default_factory=list)  # neither media nor an export JSON
    # zips inside a folder PATH that cannot be read (cut short by a download): corrupt
    corrupt: list[str] = field(default_factory=list)

    def where(self, member: Member) -> str:
        """The member as a report names it: `<zip>:<name>` or a file's path."""
        return self.sources[member.source].describe(member)

    @contextlib.contextmanager
    def open(self, member: Member) -> Iterator[IO[bytes]]:
        source = self.sources[member.source]
        try:
            stream: IO[bytes] = (
                source.zip.open(member.zip_info())
                if source.zip is not None
                else (source.path / member.name).open("rb")
            )
        except (OSError, zipfile.BadZipFile, KeyError, RuntimeError, NotImplementedError) as exc:
            raise CorruptMember(f"{self.where(member)}: cannot be read ({exc})") from exc
        with stream:
            yield stream

    def read_json(self, member: Member, limit: int = MAX_PHOTO_JSON) -> Any:
        """A JSON member parsed, at most `limit` bytes read (TooLargeMember past it);
        CorruptMember for bytes that fail the zip's checks or are no JSON."""
        if member.size > limit:
            raise TooLargeMember(
                f"{self.where(member)}: {member.size} bytes, more than {limit >> 20} MiB"
            )
        with self.open(member) as stream:
            try:
                data = stream.read(limit + 1)
            except (OSError, zipfile.BadZipFile, zlib.error, EOFError) as exc:
                raise CorruptMember(f"{self.where(member)}: corrupt ({exc})") from exc
        if len(data) > limit:
            raise TooLargeMember(f"{self.where(member)}: more than {limit >> 20} MiB")
        try:
            text = data.decode("utf-8")
            value = json.loads(
                text, parse_int=_json_int, parse_float=_json_float, parse_constant=_no_constant
            )
        except ValueError as exc:
            raise CorruptMember(f"{self.where(member)}: not JSON ({exc})") from exc
        except RecursionError as exc:  # '[' nested past the interpreter's stack
            raise CorruptMember(
                f"{self.where(member)}: JSON nested deeper than {MAX_DEPTH} levels"
            ) from exc
        except MemoryError as exc:  # more objects than memory holds, within the size bound
            raise CorruptMember(f"{self.where(member)}: JSON too large to read") from exc
        del data
        # (fewer brackets than the bound, even inside strings: no need to walk it)
        if text.count("[") + text.count("{") > MAX_DEPTH and not _shallow(value, MAX_DEPTH):
            raise CorruptMember(f"{self.where(member)}: JSON nested deeper than {MAX_DEPTH} levels")
        # What the sidecars keep verbatim must be writable: no lone surrogate, no NaN.
        return valid_json(value) if may_hold_surrogates(text) else value

    def extract(self, member: Member, dest: Path) -> tuple[int, str]:
        """Stream `member` into `dest`, hashing on the way: (bytes, sha256). A member that
        fails its CRC or is cut short raises CorruptMember with `dest` removed; an error
        writing `dest` (a full disk) is raised as the OSError it is."""
        try:
            return self._copy(member, dest)
        except BaseException:
            dest.unlink(missing_ok=True)
            raise

    def digest(self, member: Member) -> tuple[int, str]:
        """(bytes, sha256) of a member, read to its end (its CRC checked), nothing written."""
        return self._copy(member, None)

    def _copy(self, member: Member, dest: Path | None) -> tuple[int, str]:
        with self.reading(member) as stream, _sink(dest) as out:
            while block := stream.read(BLOCK):
                if out is not None:
                    out.write(block)
        return stream.result()

    @contextlib.contextmanager
    def reading(self, member: Member) -> Iterator[HashingReader]:
        """The member as a stream hashed as it is read: a read failing the zip's checks (CRC,
        cut short) raises CorruptMember; `result()` once read to its end."""
        with self.open(member) as stream:
            yield HashingReader(stream, self.where(member))

    def close(self) -> None:
        for source in self.sources:
            if source.zip is not None:
                source.zip.close()


def _shallow(value: Any, limit: int) -> bool:
    """Does `value` nest at most `limit` lists/objects deep? Walked without recursion: what
    passes is later written (sidecars, account files) by code that recurses."""
    stack: list[tuple[Any, int]] = [(value, 1)]
    while stack:
        item, depth = stack.pop()
        if isinstance(item, dict):
            children: Any = item.values()
        elif isinstance(item, list):
            children = item
        else:
            continue
        if depth > limit:
            return False
        stack.extend((child, depth + 1) for child in children if isinstance(child, (dict, list)))
    return True


def _json_int(digits: str) -> int | str:
    """An integer literal longer than any real field stays text (Python refuses to parse
    one of 4,301 digits, and the whole file with it)."""
    return int(digits) if len(digits) <= 40 else digits


def _json_float(literal: str) -> float | str:
    number = float(literal)
    return number if math.isfinite(number) else literal


def _no_constant(name: str) -> Any:
    raise ValueError(f"{name} is not JSON")


@contextlib.contextmanager
def _sink(dest: Path | None) -> Iterator[IO[bytes] | None]:
    if dest is None:
        yield None
        return
    with dest.open("wb") as out:
        yield out


def scan(paths: Sequence[Path], *, skip: Sequence[Path] = ()) -> ExportIndex:
    """Index every PATH (zips and folders); NotAnExport for one that is no export's.
    Folders in `skip` (the archive being written) and archives (a folder holding a
    `.flickr-async`) inside a PATH are not read: their files are no export's."""
    index = ExportIndex()
    if not paths:
        raise NotAnExport("no PATH given: name the export's zip files or the folder(s) "
                          "they were unpacked into")  # fmt: skip
    for path in paths:
        if any(_same_place(path, folder) for folder in skip):
            raise NotAnExport(
                f"{path}: this is OUT, the archive being written, not the export: name the "
                "export's zips or the folder they were unpacked into, and another folder as OUT"
            )
    try:
        for path in paths:
            _scan_path(index, path, skip)
    except BaseException:
        index.close()
        raise
    return index


def _same_place(path: Path, folder: Path) -> bool:
    try:
        return path.resolve() == folder.resolve()
    except (OSError, RuntimeError):  # a link loop: not OUT, and read as whatever it is
        return False


def _scan_path(index: ExportIndex, path: Path, skip: Sequence[Path]) -> None:
    if path.is_dir():
        before, broken_before = _counts(index), len(index.corrupt)
        for folder, dirs, files in os.walk(path):
            here = Path(folder)
            if here in skip or (here / layout.STATE_DIR).is_dir():
                dirs.clear()
                continue
            dirs.sort()
            for name in sorted(files):
                file = here / name
                if file.is_symlink():
                    # Not followed: a folder's files are its own (a link may lead anywhere,
                    # into the archive being written too). Named, so its photo's gap is
                    # explained; a zip given as a PATH itself is read wherever it lies.
                    index.ignored.append(f"{file} (a symbolic link: not followed)")
                    continue
                if not file.is_file():
                    index.ignored.append(f"{file} (not a regular file)")
                    continue
                if name.lower().endswith(".zip"):
                    _scan_inner_zip(index, file)
                else:
                    source = _folder_source(index, here)
                    _add(index, Member(source, name, file.stat().st_size))
        if _counts(index) == before:
            broken = index.corrupt[broken_before:]
            raise NotAnExport(
                f"{path}: no photo_<id>.json, albums.json or other file of Flickr's export, "
                "nor a media file, in this folder: not Flickr's data export"
                + (f" ({broken[0]})" if broken else "")
            )
        return
    if not path.exists():
        raise NotAnExport(f"{path}: no such file or folder")
    if not path.is_file() or not zipfile.is_zipfile(path):
        raise NotAnExport(
            f"{path}: not a zip file nor a folder: not part of Flickr's export (a zip cut "
            "short by a download reads as none: download it again)"
        )
    before = _counts(index)
    _scan_zip(index, path)
    if _counts(index) == before:
        raise NotAnExport(
            f"{path}: a zip with no photo_<id>.json, albums.json or other file of Flickr's "
            "export, nor a media file: not part of Flickr's data export"
        )


def _scan_inner_zip(index: ExportIndex, file: Path) -> None:
    """A zip found inside a folder PATH: one that cannot be read is a corrupt member of
    the export (named in the summary, exit 1), not a reason to refuse the others."""
    unreadable = "cannot be read as a zip (cut short by a download? download it again)"
    if not zipfile.is_zipfile(file):
        index.corrupt.append(f"{file}: {unreadable}")
        return
    try:
        _scan_zip(index, file)
    except NotAnExport:
        index.corrupt.append(f"{file}: {unreadable}")


def is_export_file(name: str) -> bool:
    """Is `name` (a basename) one of the account-level files only Flickr's export writes?"""
    if name in METADATA_MARKERS or name in EXPORT_FILES:
        return True
    stem, dot, ext = name.rpartition(".")
    head, sep, part = stem.rpartition("_part")
    return dot == "." and ext == "json" and bool(sep) and part.isdigit() and head in EXPORT_PARTS


def _counts(index: ExportIndex) -> tuple[int, int, int]:
    marker = sum(1 for name in index.account if is_export_file(name))
    return len(index.photo_json), len(index.media), marker


def _folder_source(index: ExportIndex, folder: Path) -> int:
    last = index.sources[-1] if index.sources else None
    if last is not None and last.zip is None and last.path == folder:
        return len(index.sources) - 1
    index.sources.append(Source(folder))
    return len(index.sources) - 1


def _scan_zip(index: ExportIndex, path: Path) -> None:
    try:
        archive = zipfile.ZipFile(path)
    except (OSError, zipfile.BadZipFile) as exc:
        raise NotAnExport(f"{path}: not a readable zip file ({exc})") from exc
    index.sources.append(Source(path, archive))
    source = len(index.sources) - 1
    for info in archive.infolist():
        if info.is_dir():
            continue
        raw = info.orig_filename if info.orig_filename != info.filename else None
        member = Member(
            source, info.filename, info.file_size, info.header_offset, info.compress_size,
            info.CRC, info.compress_type, info.flag_bits, raw,
        )  # fmt: skip
        _add(index, member)
    # Every member is indexed: the zip's own directory is dropped (see Member).
    archive.filelist = []
    archive.NameToInfo = {}


def _add(index: ExportIndex, member: Member) -> None:
    base = member.basename
    if "\x00" in member.name:
        index.ignored.append(index.where(member))
        return
    photo_id = export_names.photo_json_id(base)
    if photo_id is not None:
        if photo_id in index.photo_json:
            index.duplicate_json.append(index.where(member))
        else:
            index.photo_json[photo_id] = member
        return
    if export_names.parse_media_name(base) is not None:
        index.media.append(member)
        return
    if ACCOUNT_JSON.fullmatch(base) and base not in index.account:
        index.account[base] = member
        return
    index.ignored.append(index.where(member))
