"""`make demo`: back up a generated account from the local fake Flickr into ./demo-out.

Runs the real CLI (`python -m flickr_async backup`) in a subprocess against the fake, with
the credentials passed through the environment, then prints what the fake saw and, last,
the path of the archive's offline website (the backup refreshes it).
"""

from __future__ import annotations

import argparse
import os
import shlex
import subprocess
import sys
import tempfile
from pathlib import Path

from tests.fakeflickr.generator import generate_library
from tests.fakeflickr.server import running_fake


def cli_command() -> str:
    """How to run the CLI from here: the entry point `make install` put beside this Python
    (`.venv/bin/flickr-async`, not on PATH), else `python -m flickr_async` with this Python."""
    entry = Path(sys.executable).parent / "flickr-async"
    if not entry.is_file():
        return f"{shlex.quote(sys.executable)} -m flickr_async"
    try:
        return shlex.quote(str(entry.relative_to(Path.cwd())))
    except ValueError:  # not under the working directory: its full path
        return shlex.quote(str(entry))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tests.fakeflickr.demo", description=__doc__)
    parser.add_argument("--out", type=Path, default=Path("demo-out"))
    parser.add_argument("--photos", type=int, default=40)
    parser.add_argument("--videos", type=int, default=4)
    parser.add_argument("--albums", type=int, default=6)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("cli_args", nargs="*", help="extra arguments for `backup`")
    args = parser.parse_args(argv)
    library = generate_library(args.seed, args.photos, args.videos, args.albums)
    with running_fake(library) as fake, tempfile.TemporaryDirectory() as tmp:
        env = {**os.environ, **fake.cli_env(Path(tmp))}
        command = [sys.executable, "-m", "flickr_async", "backup", str(args.out), *args.cli_args]
        print(f"fake Flickr at {fake.base_url}: {len(library.photos)} items, "
              f"{len(library.albums)} albums", flush=True)  # fmt: skip
        cli = cli_command()
        print(f"$ {cli} " + shlex.join(command[3:]), flush=True)
        code = subprocess.run(command, env=env).returncode
        counters = fake.counters
        files = sum(1 for p in args.out.rglob("*") if p.is_file()) if args.out.exists() else 0
        print(f"exit code {code}; {counters.total_api_calls} API calls, "
              f"{sum(counters.file_requests.values())} file requests, "
              f"{sum(counters.bytes_served.values())} bytes served; "
              f"{files} files under {args.out}/")  # fmt: skip
        print(f"\nLook in {args.out}/: one folder per album (Unsorted/ for the rest), .json "
              f"and .xmp sidecars beside every file (try `exiftool -use MWG -Description "
              f"-Keywords` on one); `{cli} status {args.out}` and `{cli} verify "
              f"{args.out}` inspect it. Run `make demo` again for an incremental sync with "
              "nothing to do.")  # fmt: skip
        index = args.out / "index.html"
        if index.is_file():
            print(f"\nThe archive as a website, offline (open it in a browser):\n{index.resolve()}")
    return code


if __name__ == "__main__":
    sys.exit(main())
