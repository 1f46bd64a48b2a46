"""The browser the site tests look through: Debian's chromium, headless, driven by Playwright.

The site must work from `file://` with nothing from the network, so every visit records each
request the page made (only `file:` may appear: not http(s), not data: or blob:), its console
errors, uncaught page errors and dialogs (an `alert` means someone's text ran as code). The
crawler walks every page reachable from `index.html` and checks each `href`/`src`/`poster`/
`srcset` the way a browser on another machine would: relative, percent-encoded, and resolving
to a file inside the archive. Playwright drives the system chromium (`executable_path`); it
never downloads a browser of its own (`playwright install` fails on a closed network).
"""

from __future__ import annotations

import asyncio
import os
import re
import shutil
from collections import deque
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import unquote, urlsplit
from urllib.request import url2pathname

if TYPE_CHECKING:
    from playwright.sync_api import Browser, BrowserContext, Page

ROOT = Path(__file__).resolve().parents[1]
SCREENS = ROOT / "test-artifacts" / "screens"  # in .gitignore: for a person to look at

# As the machine notes prescribe for chromium as root on a closed network: without the
# background-networking flags chromium keeps trying (and failing) to reach Google's hosts.
# Playwright adds --headless and a fresh temporary --user-data-dir to every launch itself.
CHROMIUM_FLAGS = (
    "--no-sandbox",  # we run as root (CI): chromium refuses its sandbox there
    "--disable-gpu",
    "--disable-quic",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
)
# Only file: requests are allowed. data: and blob: are not network, but the site has no need
# for either (assets are files under .site/) and forbidding them keeps the rule checkable.
ALLOWED_REQUEST_SCHEMES = frozenset({"file"})
# A link (a/area href) may point *to* the web (Flickr, OpenStreetMap, the licence): a click is
# the reader's choice. Anything the page itself loads must come from the archive.
LINK_SCHEMES = frozenset({"http", "https", "mailto"})
# What a relative URL's path may hold once percent-encoded (RFC 3986 pchar and "/").
_ENCODED_PATH = re.compile(r"(?:[A-Za-z0-9\-._~!$&'()*+,;=:@/]|%[0-9A-Fa-f]{2})*")
PAGES = (".html", ".htm")
VIEWPORT = {"width": 1280, "height": 900}
NAV_TIMEOUT_MS = 10_000

# Every URL-bearing attribute of the page as the browser resolves it (the DOM's base URL).
_REFS_JS = """() => {
  const refs = [];
  const add = (el, attr, raw) => {
    let url = null;
    try { url = new URL(raw, document.baseURI).href; } catch (e) {}
    refs.push({tag: el.tagName.toLowerCase(), attr, raw, url,
               rel: (el.getAttribute('rel') || '').toLowerCase()});
  };
  for (const el of document.querySelectorAll('[href],[src],[poster],[srcset]')) {
    for (const attr of ['href', 'src', 'poster']) {
      const raw = el.getAttribute(attr);
      if (raw !== null) add(el, attr, raw);
    }
    const srcset = el.getAttribute('srcset');
    if (srcset) for (const part of srcset.split(',')) {
      const raw = part.trim().split(/\\s+/)[0];
      if (raw) add(el, 'srcset', raw);
    }
  }
  return refs;
}"""


def chromium_path() -> str | None:
    """Debian's chromium (`$CHROMIUM` overrides), or None when it is not installed."""
    named = os.environ.get("CHROMIUM")
    if named:
        return named if Path(named).exists() else None
    return shutil.which("chromium") or shutil.which("chromium-browser")


def browser_missing() -> str | None:
    """Why the browser tests cannot run here, or None when they can."""
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        return "playwright is not installed (pip install -e '.[dev]')"
    if chromium_path() is None:
        if os.environ.get("CHROMIUM"):
            return f"$CHROMIUM names no file: {os.environ['CHROMIUM']}"
        return "chromium is not installed (apt-get install chromium; .ci/run does it)"
    return None


@contextmanager
def playwright_loop_hidden() -> Iterator[None]:
    """Let asyncio code run in a thread where Playwright's sync API is open.

    That API runs its event loop in a greenlet, so between calls the loop still counts as
    running in this thread, and asyncio.run() (the CLI) or pytest-asyncio refuse to start
    ("cannot be called from a running event loop"). Hide it while other code runs; it is put
    back before Playwright is used again."""
    loop = asyncio._get_running_loop()
    if loop is None:
        yield
        return
    asyncio._set_running_loop(None)
    try:
        yield
    finally:
        asyncio._set_running_loop(loop)


def file_path(url: str) -> Path:
    """The local file a file: URL names (query and fragment dropped, percent-decoded)."""
    return Path(url2pathname(unquote(urlsplit(url).path)))


def page_url(path: Path) -> str:
    return path.resolve().as_uri()


@dataclass
class Visit:
    """One page as the browser saw it, and everything it did."""

    page: Page
    requests: list[str] = field(default_factory=list)
    failed_requests: list[str] = field(default_factory=list)
    console_errors: list[str] = field(default_factory=list)
    page_errors: list[str] = field(default_factory=list)
    dialogs: list[str] = field(default_factory=list)

    def left_file_scheme(self) -> list[str]:
        """Requests to anything but a local file: must be empty."""
        return [u for u in self.requests if urlsplit(u).scheme not in ALLOWED_REQUEST_SCHEMES]

    def text(self) -> str:
        """What a reader sees: the body's rendered text."""
        text: str = self.page.evaluate("() => document.body ? document.body.innerText : ''")
        return text

    def refs(self) -> list[dict[str, Any]]:
        """Every href/src/poster/srcset on the page, raw and resolved."""
        refs: list[dict[str, Any]] = self.page.evaluate(_REFS_JS)
        return refs

    def links(self) -> list[str]:
        """The resolved URL of every `<a href>`, in document order."""
        links: list[str] = self.page.eval_on_selector_all("a[href]", "els => els.map(a => a.href)")
        return links

    @property
    def path(self) -> Path:
        return file_path(self.page.url)


def note_failure(visit: Visit, url: str, failure: str | None, kind: str) -> None:
    """A request that failed, unless it is a media file the page stopped streaming when the
    visit moved on (`<video preload="metadata">` reads a few bytes and is then aborted): such
    a file is checked like every other `src`, by the crawler's resolution of links."""
    if kind == "media" and failure == "net::ERR_ABORTED" and file_path(url).is_file():
        return
    visit.failed_requests.append(f"{url}: {failure}")


def watch(page: Page, visit: Visit) -> None:
    """Record what the page does into `visit`; dismiss any dialog (after noting it)."""
    page.on("request", lambda r: visit.requests.append(r.url))
    page.on("requestfailed", lambda r: note_failure(visit, r.url, r.failure, r.resource_type))
    page.on(
        "console",
        lambda m: (
            visit.console_errors.append(f"{m.text} ({m.location.get('url', '')})")
            if m.type == "error"
            else None
        ),
    )
    page.on("pageerror", lambda e: visit.page_errors.append(str(e)))

    def on_dialog(dialog: Any) -> None:
        visit.dialogs.append(f"{dialog.type}: {dialog.message}")
        dialog.dismiss()

    page.on("dialog", on_dialog)


@dataclass
class CrawlReport:
    """Every page reachable from the entry point, and what is wrong with them."""

    root: Path
    pages: list[Path] = field(default_factory=list)
    texts: dict[Path, str] = field(default_factory=dict)
    links: dict[Path, list[Path]] = field(default_factory=dict)  # internal .html links, in order
    broken: list[str] = field(default_factory=list)  # href/src that resolve to no file
    not_relative: list[str] = field(default_factory=list)  # absolute paths, file: URLs
    not_encoded: list[str] = field(default_factory=list)  # spaces, '#', non-ASCII left raw
    outside_archive: list[str] = field(default_factory=list)  # ../ beyond OUT
    external_loads: list[str] = field(default_factory=list)  # src/poster/stylesheet off-site
    unsafe_links: list[str] = field(default_factory=list)  # javascript:, unknown schemes
    external_requests: list[str] = field(default_factory=list)  # what actually left file://
    failed_requests: list[str] = field(default_factory=list)
    console_errors: list[str] = field(default_factory=list)
    page_errors: list[str] = field(default_factory=list)
    dialogs: list[str] = field(default_factory=list)
    truncated: bool = False

    def problems(self) -> dict[str, list[str]]:
        """Each non-empty kind of problem: `assert not report.problems()` says it all."""
        kinds = (
            "broken", "not_relative", "not_encoded", "outside_archive", "external_loads",
            "unsafe_links", "external_requests", "failed_requests", "console_errors",
            "page_errors", "dialogs",
        )  # fmt: skip
        found = {k: getattr(self, k) for k in kinds if getattr(self, k)}
        if self.truncated:
            found["truncated"] = [f"more than {len(self.pages)} pages: raise max_pages"]
        return found

    def pages_matching(self, predicate: Callable[[Path], bool]) -> list[Path]:
        return [p for p in self.pages if predicate(p)]

    def name(self, path: Path) -> str:
        return path.relative_to(self.root).as_posix()


def check_ref(report: CrawlReport, where: str, ref: dict[str, Any]) -> Path | None:
    """File one href/src into the report; the local file it names when it is internal."""
    raw: str = ref["raw"].strip()
    what = f"{where}: <{ref['tag']} {ref['attr']}={raw!r}>"
    is_link = ref["tag"] in ("a", "area") and ref["attr"] == "href"
    if raw == "" or raw.startswith("#"):
        return None  # this page, or a fragment of it
    scheme = urlsplit(raw).scheme.lower()
    if raw.startswith("//") or (scheme and len(scheme) > 1):  # c:\... is a path, not a scheme
        if scheme in ("javascript", "vbscript") or (is_link and scheme not in LINK_SCHEMES):
            report.unsafe_links.append(what)
        elif scheme == "file":
            report.not_relative.append(what)
        elif not is_link:
            report.external_loads.append(what)
        return None
    if raw.startswith("/") or raw.startswith("\\"):
        report.not_relative.append(what)
        return None
    if not _ENCODED_PATH.fullmatch(urlsplit(raw).path):
        report.not_encoded.append(what)
    if ref["url"] is None:
        report.broken.append(f"{what} (not a URL)")
        return None
    target = file_path(ref["url"])
    if not target.resolve().is_relative_to(report.root.resolve()):
        report.outside_archive.append(what)
    elif not target.is_file():
        report.broken.append(what)
    else:
        return target
    return None


class SiteBrowser:
    """Pages opened in the session's chromium; each test's contexts are closed after it."""

    def __init__(self, browser: Browser, screens: Path = SCREENS) -> None:
        self.browser = browser
        self.screens = screens
        self._contexts: list[BrowserContext] = []

    def new_context(self, *, javascript: bool = True) -> BrowserContext:
        context = self.browser.new_context(
            java_script_enabled=javascript, viewport=VIEWPORT, service_workers="block"
        )
        context.set_default_timeout(NAV_TIMEOUT_MS)
        # Nothing may leave file:// — and if something tries, fail fast rather than hang on
        # the closed network. The request is still recorded by watch().
        context.route(lambda url: not url.startswith("file:"), lambda route: route.abort())
        self._contexts.append(context)
        return context

    def open_page(self, path: Path | str, *, javascript: bool = True) -> Visit:
        """`path` (a file) in a fresh context, loaded; the Visit records what it does."""
        page = self.new_context(javascript=javascript).new_page()
        visit = Visit(page)
        watch(page, visit)
        page.goto(page_url(Path(path)), wait_until="load")
        return visit

    def crawl(self, index: Path, *, max_pages: int = 400) -> CrawlReport:
        """Visit every page reachable from `index` (breadth first, at most `max_pages`), with
        JavaScript on, checking every URL on each. The archive root is index's folder."""
        report = CrawlReport(root=index.parent.resolve())
        context = self.new_context()
        queue: deque[Path] = deque([index.resolve()])
        seen = {index.resolve()}
        while queue:
            if len(report.pages) >= max_pages:
                report.truncated = True
                break
            path = queue.popleft()
            # A tab per page: its listeners see only its own events.
            page = context.new_page()
            visit = Visit(page)
            watch(page, visit)
            page.goto(page_url(path), wait_until="load")
            where = report.name(path)
            report.pages.append(path)
            report.texts[path] = visit.text()
            internal: list[Path] = []
            for ref in visit.refs():
                target = check_ref(report, where, ref)
                if target is None or ref["tag"] != "a" or target.suffix.lower() not in PAGES:
                    continue
                target = target.resolve()
                internal.append(target)
                if target not in seen:
                    seen.add(target)
                    queue.append(target)
            page.close()
            report.links[path] = internal
            report.external_requests += [f"{where}: {u}" for u in visit.left_file_scheme()]
            report.failed_requests += [f"{where}: {f}" for f in visit.failed_requests]
            report.console_errors += [f"{where}: {e}" for e in visit.console_errors]
            report.page_errors += [f"{where}: {e}" for e in visit.page_errors]
            report.dialogs += [f"{where}: {d}" for d in visit.dialogs]
        return report

    def screenshot(self, visit: Visit, name: str) -> Path:
        """A full-page PNG in test-artifacts/screens/ (not committed), for a person to look."""
        self.screens.mkdir(parents=True, exist_ok=True)
        path = self.screens / f"{name}.png"
        visit.page.screenshot(path=str(path), full_page=True)
        return path

    def close(self) -> None:
        for context in self._contexts:
            context.close()
        self._contexts.clear()


def launch(playwright: Any) -> Browser:
    """Debian's chromium, headless, with the flags a closed network and root need."""
    path = chromium_path()
    assert path is not None, browser_missing()
    browser: Browser = playwright.chromium.launch(
        executable_path=path, headless=True, args=list(CHROMIUM_FLAGS)
    )
    return browser
