"""3. Raw throughput: unthrottled loopback MB/s and CPU per GB, next to 8 parallel curls."""

from __future__ import annotations

import math
import shutil
from pathlib import Path

from bench import profile
from bench.common import (
    HIGH_API_RATE,
    ChildRun,
    FakeServer,
    MiB,
    Section,
    backup_argv,
    fake_server,
    run_backup,
    run_child,
    workdir,
)
from bench.fakeserver import FakeSpec
from bench.naive import Flickr

NAME = "throughput"
TITLE = "3. Raw throughput"
FILE_SIZE = 4 * MiB
TARGET = 0.8  # of curl's MB/s
CLI_OPTIONS = ("--concurrency", "8", "--metadata", "basic", "--api-rate", HIGH_API_RATE)


def original_urls(fake: FakeServer, scratch: Path) -> list[str]:
    """The url_o of every photo, from a signed photos.search like any client would make."""
    flickr = Flickr(fake.env(scratch))
    urls: list[str] = []
    page = 1
    while True:
        data = flickr.call(
            "flickr.photos.search",
            user_id="me",
            extras="url_o",
            per_page=500,
            page=page,
            safe_search=3,
        )
        urls += [p["url_o"] for p in data["photos"]["photo"] if p.get("url_o")]
        if page >= int(data["photos"]["pages"]):
            return urls
        page += 1


def run_curl(urls: list[str], scratch: Path, label: str) -> tuple[ChildRun, int]:
    """8 curl processes (xargs -P8), each fetching its share over one kept-alive connection."""
    target = scratch / f"{label}-files"
    target.mkdir()
    listing = scratch / f"{label}-urls.txt"
    listing.write_text("\n".join(urls) + "\n")
    per_process = math.ceil(len(urls) / 8)
    argv = ["xargs", "-P8", "-n", str(per_process), "curl", "-sSf", "--remote-name-all",
            "--output-dir", str(target)]  # fmt: skip
    run = run_child(argv, logs=scratch / f"{label}-logs", stdin=listing).check()
    size = sum(p.stat().st_size for p in target.iterdir())
    shutil.rmtree(target)
    return run, size


def mb_per_s(size: int, wall: float) -> float:
    return size / 1e6 / wall


def cpu_per_gb(run: ChildRun, size: int) -> float:
    return run.cpu / (size / 1e9)


def run(quick: bool) -> Section:
    count = 50 if quick else 200
    spec = FakeSpec(photos=count, seed=3, file_size=FILE_SIZE)
    section = Section(
        NAME,
        TITLE,
        f"{count} JPEG originals × {FILE_SIZE // MiB} MiB, no throttling, the fake in its own "
        "process (one of the 2 cores serves; the client gets the other). MB/s = bytes / wall "
        "of the client process(es), start-up included. CPU/GB = user+sys of the client only "
        f"(os.wait4; for curl the xargs tree). flickr-async: `{' '.join(CLI_OPTIONS)}`, with "
        "and without `--no-exif` (EXIF embedding rewrites each JPEG). curl: `xargs -P8 -n "
        f"{math.ceil(count / 8)} curl --remote-name-all`, the same URLs (from a signed "
        "photos.search), files written to disk too. Best of the repetitions.",
    )
    repeats = 1 if quick else 2
    curl = shutil.which("curl")
    with fake_server(spec) as fake, workdir(NAME) as scratch:
        urls = original_urls(fake, scratch)
        results: dict[str, tuple[ChildRun, int]] = {}
        for rep in range(repeats):
            if curl:
                _keep_best(results, "curl ×8", run_curl(urls, scratch, f"curl{rep}"))
            for label, extra in (
                ("flickr-async c=8", ()),
                ("flickr-async c=8 --no-exif", ("--no-exif",)),
            ):
                out = scratch / f"archive{rep}"
                ran, report = run_backup(fake, scratch, f"cli{rep}", *CLI_OPTIONS, *extra, out=out)
                _keep_best(results, label, (ran, int(report["bytes_downloaded"])))
                shutil.rmtree(out)
        for label, (ran, size) in results.items():
            section.add(
                f"{label}: MB/s, CPU s/GB",
                f"{mb_per_s(size, ran.wall):.0f} MB/s ({size / 1e6:.0f} MB in {ran.wall:.2f} s), "
                f"{cpu_per_gb(ran, size):.2f} CPU-s/GB, peak RSS {ran.maxrss_mib:.0f} MiB",
            )
        if curl:
            curl_rate = mb_per_s(results["curl ×8"][1], results["curl ×8"][0].wall)
            for label in ("flickr-async c=8", "flickr-async c=8 --no-exif"):
                ran, size = results[label]
                share = mb_per_s(size, ran.wall) / curl_rate
                section.add(f"{label} vs curl", f"{share:.0%}", f"≥ {TARGET:.0%}", share >= TARGET)
        else:
            section.notes.append("curl is not installed: no reference figure, target not judged.")
        with_exif = results["flickr-async c=8"][0]
        without = results["flickr-async c=8 --no-exif"][0]
        section.notes.append(
            f"EXIF embedding costs {with_exif.wall / without.wall:.1f}× the wall time, "
            f"{with_exif.cpu - without.cpu:.1f} CPU-s and "
            f"{with_exif.maxrss_mib - without.maxrss_mib:.0f} MiB of peak RSS here: "
            "every JPEG is read, re-hashed and written a second time (the new header, then the "
            "untouched image data). Both runs hash every byte with SHA-256 (the sidecar's "
            "`download.sha256` and verify need it) and write through the page cache, which on "
            "this 2-core VM costs ~1.6 CPU-s/GB and ~3 s/GB per thread; curl does neither. "
            "See the profile."
        )
        section.block = "\n\n".join(
            _profile(fake, scratch, label, extra)
            for label, extra in (("exif on (the default)", ()), ("--no-exif", ("--no-exif",)))
        )
    if quick:
        section.notes.append(f"--quick: {count} files instead of 200, one repetition.")
    return section


def _keep_best(
    results: dict[str, tuple[ChildRun, int]], label: str, candidate: tuple[ChildRun, int]
) -> None:
    best = results.get(label)
    if best is None or candidate[0].wall < best[0].wall:
        results[label] = candidate


def _profile(fake: FakeServer, scratch: Path, label: str, extra: tuple[str, ...]) -> str:
    name = f"profile{len(extra)}"
    raw = scratch / f"{name}.txt"
    argv = backup_argv(scratch / name, scratch / f"{name}.json", *CLI_OPTIONS, *extra)
    ran = profile.record(argv, logs=scratch / f"{name}-logs", env=fake.env(scratch), raw=raw)
    if ran is None:
        return (
            "profile skipped: py-spy not found "
            "(`.venv/bin/pip install py-spy`; deliberately not a project dependency)"
        )
    if ran.code != 0 or not raw.exists():
        return f"profile failed (exit {ran.code}): {ran.tail(500)}"
    shutil.rmtree(scratch / name, ignore_errors=True)
    return f"py-spy profile, {label}:\n" + profile.summarise(raw)
