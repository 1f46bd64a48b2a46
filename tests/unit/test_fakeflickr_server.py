"""The fake starts inside a running loop, in a thread, and as a standalone process."""

from __future__ import annotations

import json
import subprocess
import sys
import urllib.request

import aiohttp

from tests.fakeflickr import FakeFlickr, Library, generate_library


async def test_serve_runs_the_fake_inside_the_current_loop(library: Library) -> None:
    async with FakeFlickr(library).serve() as fake, aiohttp.ClientSession() as session:
        params = {"method": "flickr.photos.search", "api_key": fake.api_key, "format": "json",
                  "nojsoncallback": "1", "user_id": library.owner.nsid}  # fmt: skip
        async with session.get(f"{fake.base_url}/rest/", params=params) as response:
            body = await response.json()
    assert body["stat"] == "ok"


def test_a_small_library_with_defaults_works() -> None:
    library = generate_library(seed=1, photos=5)
    assert len(library.photos) == 9 and library.albums


def test_the_standalone_server_prints_credentials_then_serves() -> None:
    command = [sys.executable, "-m", "tests.fakeflickr", "--photos", "3", "--videos", "1",
               "--albums", "1", "--seed", "2", "--port", "0"]  # fmt: skip
    with subprocess.Popen(command, stdout=subprocess.PIPE, text=True) as process:
        try:
            assert process.stdout is not None
            info = json.loads(process.stdout.readline())
            query = f"method=flickr.photos.search&api_key={info['api_key']}&format=json&nojsoncallback=1&user_id=99887766@N04"  # noqa: E501
            with urllib.request.urlopen(f"{info['base_url']}/rest/?{query}", timeout=10) as reply:
                body = json.loads(reply.read())
        finally:
            process.terminate()
    assert set(info) == {"base_url", "api_key", "api_secret", "oauth_token", "oauth_token_secret"}
    assert body["stat"] == "ok"
