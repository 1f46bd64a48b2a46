"""exiftool, the independent reader: what photo managers would read from our files.

Installed by `.ci/run` (Debian's libimage-exiftool-perl). Missing locally, the tests that need
it are skipped; under CI=true a missing exiftool fails them instead.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest

# The MWG composites Immich, digiKam and Lightroom-style readers follow, and XMP's title.
MWG_TAGS = (
    "-Description",
    "-Keywords",
    "-DateTimeOriginal",
    "-GPSLatitude",
    "-GPSLongitude",
    "-XMP-dc:Title",
)


def exiftool() -> str:
    path = shutil.which("exiftool")
    if path is None:
        message = "exiftool is not installed (apt-get install libimage-exiftool-perl)"
        if os.environ.get("CI") == "true":
            pytest.fail(message)
        pytest.skip(message)
    return path


def read(paths: list[Path], *tags: str, mwg: bool = True) -> dict[str, dict[str, Any]]:
    """exiftool's JSON for each path (numbers with -n: signed decimal GPS), by path."""
    if not paths:
        return {}
    args = [exiftool(), "-j", "-n", "-charset", "filename=utf8", *(["-use", "MWG"] if mwg else [])]
    result = subprocess.run(
        [*args, *(tags or MWG_TAGS), *map(str, paths)],
        capture_output=True,
        check=False,
        timeout=120,
    )
    if result.returncode not in (0, 1) or not result.stdout.strip():
        raise AssertionError(f"exiftool failed: {result.stderr.decode(errors='replace')}")
    return {item["SourceFile"]: item for item in json.loads(result.stdout)}


def as_list(value: Any) -> list[str]:
    """A keyword list as exiftool prints it: absent, one value or a list; numbers unquoted."""
    if value is None:
        return []
    items = value if isinstance(value, list) else [value]
    return [str(v) for v in items]


def validate(path: Path) -> list[str]:
    """exiftool's warnings about the file's structure (duplicate XMP and the like)."""
    result = subprocess.run(
        [exiftool(), "-validate", "-warning", "-a", "-s3", str(path)],
        capture_output=True,
        check=False,
        timeout=60,
    )
    return [line for line in result.stdout.decode(errors="replace").splitlines() if line]
