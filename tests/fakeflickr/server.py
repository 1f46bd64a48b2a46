"""FakeFlickr: the aiohttp app and its state; `serve()` in a loop, `running_fake()` in a thread."""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import AsyncIterator, Callable, Iterator
from contextlib import asynccontextmanager, contextmanager
from pathlib import Path
from typing import Any

from aiohttp import web

from tests.fakeflickr import files, oauth_flow, rest
from tests.fakeflickr.content import ContentCache
from tests.fakeflickr.context import CTX, ServerContext
from tests.fakeflickr.credentials import DEFAULT_VERIFIER, Credentials
from tests.fakeflickr.faults import Counters, Faults
from tests.fakeflickr.library import Library

DEFAULT_API_KEY = "0f1e2d3c4b5a69788796a5b4c3d2e1f0"
DEFAULT_API_SECRET = "5ec7e75ec7e75ec7"
HOST = "127.0.0.1"  # never bind anything else: this is a test double


def build_app(ctx: ServerContext) -> web.Application:
    app = web.Application()
    app[CTX] = ctx
    for path in ("/services/rest/", "/services/rest"):
        app.router.add_get(path, rest.handle_rest)
        app.router.add_post(path, rest.handle_rest)
    for step, handler in (
        ("request_token", oauth_flow.handle_request_token),
        ("access_token", oauth_flow.handle_access_token),
    ):
        app.router.add_get(f"/services/oauth/{step}", handler)
        app.router.add_post(f"/services/oauth/{step}", handler)
    app.router.add_get("/services/oauth/authorize", oauth_flow.handle_authorize)
    app.router.add_get("/static/{server}/{name}", files.handle_static)
    app.router.add_get("/photos/{owner}/{id}/play/{play}/{secret}/", files.handle_play)
    app.router.add_get("/cdn/video/{name}", files.handle_cdn)
    return app


class FakeFlickr:
    """A local Flickr for one account. Start it with `serve()` (async) or `running_fake()`."""

    def __init__(
        self,
        library: Library,
        *,
        search_cap: int = 4000,
        auto_approve: bool = True,
        api_key: str = DEFAULT_API_KEY,
        api_secret: str = DEFAULT_API_SECRET,
        verifier: str = DEFAULT_VERIFIER,
        timestamp_window: float | None = 600.0,
        oauth_clock: Callable[[], float] = time.time,
        port: int = 0,
    ) -> None:
        self.library = library
        self.faults = Faults()
        self.counters = Counters()
        self.credentials = Credentials(
            api_key,
            api_secret,
            verifier=verifier,
            timestamp_window=timestamp_window,
            clock=oauth_clock,
        )
        self.ctx = ServerContext(
            library=library,
            credentials=self.credentials,
            faults=self.faults,
            counters=self.counters,
            content=ContentCache(),
            search_cap=search_cap,
            auto_approve=auto_approve,
        )
        self.hostile = self.ctx.hostile  # hostile values on demand (hostile_values.py)
        self.app = build_app(self.ctx)
        self.port = port
        self.base_url = ""

    # --- credentials --------------------------------------------------------------------

    @property
    def api_key(self) -> str:
        return self.credentials.api_key

    @property
    def api_secret(self) -> str:
        return self.credentials.api_secret

    @property
    def verifier(self) -> str:
        return self.credentials.verifier

    @property
    def origin(self) -> str:
        """`http://127.0.0.1:PORT`: where static files, /play/ and the CDN live."""
        return self.ctx.origin

    def issue_access_token(self, perms: str = "read") -> tuple[str, str]:
        """An owner token as if the OAuth dance had happened: (token, token_secret)."""
        record = self.credentials.issue("access", perms=perms)
        return record.token, record.secret

    def cli_env(self, home: Path) -> dict[str, str]:
        """Environment for the real CLI: this fake's key, a fresh owner token, and a token
        file and config dir under `home` (never the user's own)."""
        token, secret = self.issue_access_token()
        return cli_environment(
            base_url=self.base_url,
            api_key=self.api_key,
            api_secret=self.api_secret,
            token=token,
            token_secret=secret,
            home=home,
        )

    def approve(self, request_token: str) -> str:
        """The owner approves a request token (auto_approve=False); returns the verifier."""
        return self.credentials.approve(request_token)

    def revoke_token(self, token: str) -> None:
        self.credentials.revoke(token)

    # --- expected bytes -----------------------------------------------------------------

    def original_bytes(self, photo_id: str | int) -> bytes:
        """The true original: a photo's `_o` file, a video's Video Original (not its poster);
        of the account's photos or of other members' (favourites, gallery photos)."""
        return files.original_blob(self.ctx, self.library.any_photo(photo_id)).read_all()

    def original_sha256(self, photo_id: str | int) -> str:
        """sha256 of the true original; streams, so fine for the huge video too."""
        photo = self.library.any_photo(photo_id)
        blob = files.original_blob(self.ctx, photo)
        return self.ctx.content.sha256(files.blob_key(photo, "true-original"), blob)

    def size_bytes(self, photo_id: str | int, suffix: str) -> bytes:
        """A static rendition by file suffix ("o" = the `_o` URL, for a video its poster)."""
        photo = self.library.any_photo(photo_id)
        return files.image_blob(self.ctx, photo, suffix).read_all()

    def video_bytes(self, photo_id: str | int, play: str = "orig") -> bytes:
        """A video stream by /play/ label: orig, hd, site, mobile, 1080p, 720p, 360p."""
        return files.video_blob(self.ctx, self.library.photo(photo_id), play).read_all()

    # --- running ------------------------------------------------------------------------

    @asynccontextmanager
    async def serve(self) -> AsyncIterator[FakeFlickr]:
        """Serve on 127.0.0.1 in the current loop: `async with FakeFlickr(lib).serve() as fake:`."""
        runner = web.AppRunner(self.app, access_log=None)
        await runner.setup()
        site = web.TCPSite(runner, HOST, self.port)
        await site.start()
        self.port = int(runner.addresses[0][1])
        self.ctx.origin = f"http://{HOST}:{self.port}"
        self.base_url = f"{self.ctx.origin}/services"
        try:
            yield self
        finally:
            await runner.cleanup()


def cli_environment(
    *, base_url: str, api_key: str, api_secret: str, token: str, token_secret: str, home: Path
) -> dict[str, str]:
    """The variables flickr_async/settings.py reads, pointed at a fake Flickr."""
    return {
        "FLICKR_API_KEY": api_key,
        "FLICKR_API_SECRET": api_secret,
        "FLICKR_OAUTH_TOKEN": token,
        "FLICKR_OAUTH_TOKEN_SECRET": token_secret,
        "FLICKR_API_BASE": base_url,
        "FLICKR_TOKEN_FILE": str(home / "token.json"),
        "XDG_CONFIG_HOME": str(home),
    }


@contextmanager
def running_fake(library: Library, **options: Any) -> Iterator[FakeFlickr]:
    """Run a FakeFlickr in a background thread with its own event loop (for sync callers)."""
    fake = FakeFlickr(library, **options)
    loop = asyncio.new_event_loop()
    ready = threading.Event()
    stop = asyncio.Event()
    failure: list[BaseException] = []

    async def main() -> None:
        async with fake.serve():
            ready.set()
            await stop.wait()

    def run() -> None:
        asyncio.set_event_loop(loop)
        try:
            loop.run_until_complete(main())
        except BaseException as exc:  # surfaced in the calling thread
            failure.append(exc)
            ready.set()

    thread = threading.Thread(target=run, name="fakeflickr", daemon=True)
    thread.start()
    ready.wait(30)
    if failure:
        raise RuntimeError("fakeflickr did not start") from failure[0]
    try:
        yield fake
    finally:
        loop.call_soon_threadsafe(stop.set)
        thread.join(30)
        loop.close()
