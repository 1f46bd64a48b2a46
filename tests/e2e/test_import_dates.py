"""An imported photo's upload date: the export's zone-less `date_imported`, read as UTC.

Which zone Flickr writes it in is not known (flickr-export-format.md). Read as UTC, a
`{date_upload}` name is the one a backup gives when the export wrote UTC; when it wrote
another zone, the first backup (the API's Unix seconds) renames the file once, to the name
a backup alone gives, and no later run moves it again."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from tests.e2e.helpers import FAST, run_cli
from tests.exportzip import dumps, photo_json, profile_json, write_zip
from tests.fakeflickr import FakeFlickr, Library

NAMES = "{date_upload:%Y-%m-%d %H%M} {id}"


@pytest.mark.parametrize("shift", [0, -8 * 3600])
def test_a_date_upload_name_is_backups_from_the_first_backup_on(
    fake: FakeFlickr, library: Library, env: dict[str, str], tmp_path: Path, shift: int
) -> None:
    out = tmp_path / "out"
    photo = next(p for p in library.photos if not p.is_video)
    doc = photo_json(photo.id, secret=photo.originalsecret)
    # The export's date_imported, in UTC (shift 0) or in a zone 8 hours west of it.
    doc["date_imported"] = time.strftime("%Y-%m-%d %H:%M:%S", time.gmtime(photo.dateupload + shift))
    paths = [
        write_zip(
            tmp_path / "e" / "1_abc_part1.zip",
            {"account_profile.json": dumps({**profile_json(), "nsid": library.owner.nsid}),
             f"photo_{photo.id}.json": dumps(doc)},
        ),
        write_zip(tmp_path / "e" / "d.zip", {f"p_{photo.id}_o.jpg": fake.original_bytes(photo.id)}),
    ]  # fmt: skip
    ran = run_cli(env, "import", str(out), *map(str, paths), "--no-site", "--layout", "flat",
                  "--names", NAMES)  # fmt: skip
    assert ran.code == 0, ran.stdout + ran.stderr

    def name() -> list[str]:
        return sorted(p.name for p in out.glob(f"*{photo.id}.jpg"))

    stamp = time.strftime("%Y-%m-%d %H%M", time.gmtime(photo.dateupload + shift))
    assert name() == [f"{stamp} {photo.id}.jpg"]
    backups = time.strftime("%Y-%m-%d %H%M", time.gmtime(photo.dateupload))
    for _ in range(2):
        backup = run_cli(env, "backup", str(out), *FAST, "--no-site")
        assert backup.code == 0, backup.stdout + backup.stderr
        assert name() == [f"{backups} {photo.id}.jpg"]
