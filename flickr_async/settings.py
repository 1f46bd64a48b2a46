"""Frozen Settings: the only place environment variables and defaults are read."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

from flickr_async import __version__, names
from flickr_async.errors import ConfigError

DEFAULT_API_BASE = "https://www.flickr.com/services"

ENV_API_KEY = "FLICKR_API_KEY"
ENV_API_SECRET = "FLICKR_API_SECRET"
ENV_OAUTH_TOKEN = "FLICKR_OAUTH_TOKEN"
ENV_OAUTH_TOKEN_SECRET = "FLICKR_OAUTH_TOKEN_SECRET"
ENV_API_BASE = "FLICKR_API_BASE"
ENV_TOKEN_FILE = "FLICKR_TOKEN_FILE"

Layout = names.Layout
LAYOUTS: tuple[Layout, ...] = ("albums", "flat", "date")
# How album copies of a file are made (--links): one inode, a relative symlink, or bytes.
LinkMode = Literal["hardlink", "symlink", "copy"]
LINK_MODES: tuple[LinkMode, ...] = ("hardlink", "symlink", "copy")
DEFAULT_NAMES = "{id}"
# How far a run takes each photo's metadata (see README "Metadata levels"):
# basic: the listing's fields and comments; list: + raw tags, place names and the listing's
# undocumented extras (getInfo only where those fall short); deep: + getInfo's notes, people
# and permissions for every photo, fetched after the files. "full" is deep's old name.
MetadataLevel = Literal["basic", "list", "deep"]
METADATA_LEVELS: tuple[MetadataLevel, ...] = ("basic", "list", "deep")
METADATA_ALIASES: dict[str, MetadataLevel] = {"full": "deep"}


def metadata_level(value: str) -> MetadataLevel:
    """A level by name (old names accepted); ConfigError for anything else."""
    level = METADATA_ALIASES.get(value, value)
    for known in METADATA_LEVELS:
        if level == known:
            return known
    raise ConfigError("--metadata must be 'basic', 'list' or 'deep' ('full' means deep)")


def default_token_file(environ: Mapping[str, str]) -> Path:
    """`$XDG_CONFIG_HOME/flickr-async/token.json` (XDG default `~/.config`)."""
    config_home = environ.get("XDG_CONFIG_HOME") or str(Path.home() / ".config")
    return Path(config_home) / "flickr-async" / "token.json"


@dataclass(frozen=True)
class Settings:
    """Everything a command needs, resolved once: flag > environment > token file > default."""

    api_key: str = ""
    api_secret: str = field(default="", repr=False)
    oauth_token: str = field(default="", repr=False)
    oauth_token_secret: str = field(default="", repr=False)
    token_file: Path = Path("token.json")
    api_base: str = DEFAULT_API_BASE
    out: Path | None = None
    concurrency: int = 8
    layout: Layout = "albums"
    names: str = DEFAULT_NAMES  # the file name template (flickr_async.names)
    links: LinkMode = "hardlink"
    api_rate: float = 1.0  # API calls per second, all stages together (Flickr: 3,600/hour/key)
    api_burst: int = 1
    metadata: MetadataLevel = "deep"
    max_api_calls: int | None = None  # stop making API calls after this many (None: no cap)
    exif: bool = True
    xmp: bool = True  # .xmp sidecars, and the XMP packet in JPEGs when exif is on
    favorites: bool = False  # also keep the favourites' files under OUT/Favorites/
    site: bool = True  # refresh the offline site (OUT/index.html, OUT/.site/) after each run
    dry_run: bool = False
    quiet: bool = False
    verbose: bool = False
    report_file: Path | None = None
    retry_attempts: int = 6
    retry_max_wait: float = 60.0  # seconds, one wait
    request_timeout: float = 60.0  # seconds without a byte before a request is abandoned
    user_agent: str = f"flickr-async/{__version__} (+https://github.com/flickr-async)"

    @property
    def rest_url(self) -> str:
        return f"{self.api_base.rstrip('/')}/rest/"

    def oauth_url(self, step: str) -> str:
        """`request_token`, `authorize` or `access_token`."""
        return f"{self.api_base.rstrip('/')}/oauth/{step}"

    @property
    def has_token(self) -> bool:
        return bool(self.oauth_token and self.oauth_token_secret)

    def require_key(self) -> None:
        if not self.api_key or not self.api_secret:
            raise ConfigError(
                f"no Flickr API key: pass --api-key/--api-secret or set {ENV_API_KEY} and "
                f"{ENV_API_SECRET} (get one at https://www.flickr.com/services/apps/create/)"
            )

    def validate(self) -> None:
        if self.concurrency < 1 or self.concurrency > 64:
            raise ConfigError("--concurrency must be between 1 and 64")
        if not self.api_rate > 0:
            raise ConfigError("--api-rate must be a positive number of calls per second")
        if self.layout not in LAYOUTS:
            raise ConfigError("--layout must be 'albums', 'flat' or 'date'")
        if self.links not in LINK_MODES:
            raise ConfigError("--links must be 'hardlink', 'symlink' or 'copy'")
        names.parse(self.names)
        metadata_level(self.metadata)
        if self.max_api_calls is not None and self.max_api_calls < 1:
            raise ConfigError("--max-api-calls must be a positive number of calls")
        if not self.api_base.startswith(("http://", "https://")):
            raise ConfigError("--api-base must be an http(s) URL")


def build_settings(
    environ: Mapping[str, str] | None = None,
    *,
    api_key: str | None = None,
    api_secret: str | None = None,
    token_file: Path | None = None,
    api_base: str | None = None,
    use_saved_token: bool = True,
    **options: object,
) -> Settings:
    """Resolve flags (None = not given) against the environment and the saved token file.

    `use_saved_token=False` (for `auth`, which replaces the file) tolerates a damaged file.
    """
    from flickr_async.auth import load_token  # auth imports settings; keep the cycle lazy

    env = os.environ if environ is None else environ
    token_path = token_file or (
        Path(env[ENV_TOKEN_FILE]) if env.get(ENV_TOKEN_FILE) else default_token_file(env)
    )
    try:
        saved = load_token(token_path)
    except ConfigError:
        if use_saved_token:
            raise
        saved = None
    key = api_key or env.get(ENV_API_KEY) or (saved.api_key if saved else "")
    secret = api_secret or env.get(ENV_API_SECRET) or (saved.api_secret if saved else "")
    token = env.get(ENV_OAUTH_TOKEN) or ""
    token_secret = env.get(ENV_OAUTH_TOKEN_SECRET) or ""
    # A token belongs to the key it was issued for: use the saved one only with that key.
    if not token and saved and (not saved.api_key or saved.api_key == key):
        token, token_secret = saved.oauth_token, saved.oauth_token_secret
    if isinstance(options.get("metadata"), str):  # old archives remember "full"
        options["metadata"] = metadata_level(str(options["metadata"]))
    settings = Settings(
        api_key=key,
        api_secret=secret,
        oauth_token=token,
        oauth_token_secret=token_secret,
        token_file=token_path,
        api_base=api_base or env.get(ENV_API_BASE) or DEFAULT_API_BASE,
        **{k: v for k, v in options.items() if v is not None},  # type: ignore[arg-type]
    )
    settings.validate()
    return settings
