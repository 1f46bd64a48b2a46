"""The end of an import names what the export lacks in full (cli/importcmd.py)."""

from __future__ import annotations

from flickr_async.cli.importsummary import summary_lines


def test_every_missing_photo_is_named_however_many() -> None:
    missing = [str(1000 + i) for i in range(300)]
    summary = {
        "result": "incomplete",
        "failed": 0,
        "elapsed_seconds": 1.0,
        "export": {
            "missing_files": missing,
            "files_without_json": ["a.zip:x\x1b[31m_9_o.jpg"],
            "album_members_missing": {"7": {"title": "Trip", "missing": ["1001"]}},
        },
    }
    lines = summary_lines(summary)
    assert lines[1] == "300 photos whose file the export lacks: " + ", ".join(missing)
    assert "\x1b" not in "\n".join(lines)
    assert lines[-1] == "album 'Trip' (7): 1 missing: 1001"


def test_ignored_members_are_counted_and_a_few_named() -> None:
    ignored = [f"/e/readme{i}.txt" for i in range(7)] + [
        "/e/x_1_o.jpg (a symbolic link: not followed)"
    ]
    summary = {"result": "complete", "failed": 0, "elapsed_seconds": 1.0,
               "export": {"ignored_members": ignored}}  # fmt: skip
    lines = summary_lines(summary)
    assert lines[-1] == (
        "8 files ignored (no part of the export): /e/readme0.txt, /e/readme1.txt, "
        "/e/readme2.txt, /e/readme3.txt, /e/readme4.txt and 3 more (--report names them all)"
    )
    one = summary_lines({**summary, "export": {"ignored_members": ignored[-1:]}})
    assert one[-1] == (
        "1 file ignored (no part of the export): /e/x_1_o.jpg (a symbolic link: not followed)"
    )
