"""Frozen Settings: the only place environment variables and defaults are read, and where
flags, environment, config file, archive and token file meet."""

from __future__ import annotations

import dataclasses
import math
import os
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from flickr_async import __version__, names
from flickr_async.choices import (
    METADATA_ALIASES,
    METADATA_LEVELS,
    Layout,
    LinkMode,
    MetadataLevel,
)
from flickr_async.config import KEYS, Config, load_config, secret_warning
from flickr_async.errors import ConfigError
from flickr_async.tokenfile import Token, load_token

DEFAULT_API_BASE = "https://www.flickr.com/services"

ENV_API_KEY = "FLICKR_API_KEY"
ENV_API_SECRET = "FLICKR_API_SECRET"
ENV_OAUTH_TOKEN = "FLICKR_OAUTH_TOKEN"
ENV_OAUTH_TOKEN_SECRET = "FLICKR_OAUTH_TOKEN_SECRET"
ENV_API_BASE = "FLICKR_API_BASE"
ENV_TOKEN_FILE = "FLICKR_TOKEN_FILE"
ENV_CONFIG = "FLICKR_ASYNC_CONFIG"

DEFAULT_NAMES = names.DEFAULT


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
    """Everything a command needs, resolved once by resolve_settings."""

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
    # Change-driven sync (changes.py): list the whole photostream when the last full listing
    # is older than this many days (0: every run), or on --full-listing.
    full_listing_every: float = 7.0
    full_listing: bool = False
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
        if not (self.api_rate > 0 and math.isfinite(self.api_rate)):
            raise ConfigError("--api-rate must be a positive number of calls per second")
        if not (self.retry_max_wait >= 0 and math.isfinite(self.retry_max_wait)):
            raise ConfigError("--max-retry-wait must be a number of seconds, 0 or more")
        names.validate_shape(self.layout, self.links, self.names)
        metadata_level(self.metadata)
        if not (self.full_listing_every >= 0 and math.isfinite(self.full_listing_every)):
            raise ConfigError("--full-listing-every must be a number of days, 0 or more")
        if self.max_api_calls is not None and self.max_api_calls < 1:
            raise ConfigError("--max-api-calls must be a positive number of calls")
        if not self.api_base.startswith(("http://", "https://")):
            raise ConfigError("--api-base must be an http(s) URL")


Source = Literal["flag", "env", "profile", "archive", "config", "token file", "default"]


@dataclass(frozen=True)
class Resolved:
    """Settings and where each value came from (`flickr-async config` shows both)."""

    settings: Settings
    sources: Mapping[str, Source]
    profile: str | None = None
    config: Config | None = None


def default_config_file(environ: Mapping[str, str]) -> Path:
    """`$XDG_CONFIG_HOME/flickr-async/config.toml`."""
    return default_token_file(environ).with_name("config.toml")


def profile_token_file(environ: Mapping[str, str], profile: str) -> Path:
    """A profile's token when its table names none: `.../flickr-async/profiles/NAME/token.json`."""
    return default_token_file(environ).parent / "profiles" / profile / "token.json"


def find_config(
    flag: Path | None = None, environ: Mapping[str, str] | None = None
) -> tuple[Config | None, str | None]:
    """The config file (--config > $FLICKR_ASYNC_CONFIG > the XDG default) and a warning.

    A missing default file is no config; a missing file that was named is an error.
    """
    env = os.environ if environ is None else environ
    named = flag or (Path(env[ENV_CONFIG]) if env.get(ENV_CONFIG) else None)
    path = named or default_config_file(env)
    if named is None and not path.exists():
        return None, None
    config = load_config(path, check_value)
    try:
        mode = path.stat().st_mode
    except OSError:
        mode = 0
    return config, secret_warning(config, mode)


def check_value(field_name: str, value: object) -> None:
    """One config file value, checked as Settings.validate checks it: ConfigError("--key
    problem") when it is out of range, not a choice, or a bad template."""
    Settings(**{field_name: value}).validate()  # type: ignore[arg-type]  # others: defaults


def build_settings(environ: Mapping[str, str] | None = None, **kwargs: Any) -> Settings:
    """resolve_settings(...).settings: the same arguments, see there."""
    return resolve_settings(environ, **kwargs).settings


def resolve_settings(
    environ: Mapping[str, str] | None = None,
    *,
    api_key: str | None = None,
    api_secret: str | None = None,
    token_file: Path | None = None,
    api_base: str | None = None,
    use_saved_token: bool = True,
    config: Config | None = None,
    profile: str | None = None,
    remembered: Callable[[Path], Mapping[str, object]] | None = None,
    **options: object,
) -> Resolved:
    """Flags (None = not given) against the environment, the config file's profile, the
    archive, the config file's defaults, the saved token file and the built-in defaults.

    `remembered(out)` gives the options an existing archive keeps (cli.backup reads them from
    its state). Those come after a flag and the profile (both name this archive) but before
    the top-level defaults: a default changed in the file shapes new archives and never
    silently reshapes an existing one. `use_saved_token=False` (for `auth`, which replaces
    the file) tolerates a damaged token file.
    """
    env = os.environ if environ is None else environ
    if profile is not None and config is None:
        raise ConfigError(
            f"--profile {profile}: there is no config file ({default_config_file(env)}); "
            "see docs/configuration.md"
        )
    own: Mapping[str, object] = config.profile(profile) if config and profile else {}
    shared: Mapping[str, object] = (
        (config.inherited() if profile else config.defaults) if config else {}
    )
    sources: dict[str, Source] = {}

    def pick(name: str, *layers: tuple[Source, object]) -> object:
        for source, value in layers:
            if value is not None and value != "":
                sources[name] = source
                return value
        sources[name] = "default"
        return None

    env_token_file = Path(env[ENV_TOKEN_FILE]) if env.get(ENV_TOKEN_FILE) else None
    token_path = pick(
        "token_file",
        ("flag", token_file),
        ("env", env_token_file),
        ("profile", own.get("token_file")),
        ("profile", profile_token_file(env, profile) if profile else None),
        ("config", shared.get("token_file")),
    )
    token_path = token_path if isinstance(token_path, Path) else default_token_file(env)
    try:
        saved = load_token(token_path)
    except ConfigError:
        if use_saved_token:
            raise
        saved = None

    def app_credential(name: str, flag: str | None, env_name: str) -> str:
        """The app's key or secret: flag > env > profile > config > token file."""
        return _text(
            pick(
                name,
                ("flag", flag),
                ("env", env.get(env_name)),
                ("profile", own.get(name)),
                ("config", shared.get(name)),
                ("token file", getattr(saved, name) if saved else None),
            )
        )

    key = app_credential("api_key", api_key, ENV_API_KEY)
    secret = app_credential("api_secret", api_secret, ENV_API_SECRET)
    token, token_secret = _token_pair(env, own, shared, saved, key, sources)
    base = pick(
        "api_base",
        ("flag", api_base),
        ("env", env.get(ENV_API_BASE)),
        ("profile", own.get("api_base")),
        ("config", shared.get("api_base")),
    )
    out = pick(
        "out",
        ("flag", options.pop("out", None)),
        ("profile", own.get("out")),
        ("config", shared.get("out")),
    )
    if isinstance(out, Path):
        # Absolute once, here: every check that a path stays inside OUT compares absolute paths
        # (absolute(), not resolve(): an OUT that is itself a link is the user's choice).
        out = out.absolute()
    archive: Mapping[str, object] = (
        remembered(out) if remembered is not None and isinstance(out, Path) else {}
    )
    chosen: dict[str, object] = {"out": out}
    fields = {f.name for f in dataclasses.fields(Settings)}
    from_files = (set(own) | set(shared) | set(archive)) & fields  # `names` before its merge
    for name in sorted((set(options) | from_files) - set(sources)):
        chosen[name] = pick(
            name,
            ("flag", options.get(name)),
            ("profile", own.get(name)),
            ("archive", archive.get(name)),
            ("config", shared.get(name)),
        )
    if isinstance(chosen.get("metadata"), str):  # old archives remember "full"
        chosen["metadata"] = metadata_level(str(chosen["metadata"]))
    settings = Settings(
        api_key=key,
        api_secret=secret,
        oauth_token=token,
        oauth_token_secret=token_secret,
        token_file=token_path,
        api_base=_text(base) or DEFAULT_API_BASE,
        **{k: v for k, v in chosen.items() if v is not None},  # type: ignore[arg-type]
    )
    try:
        settings.validate()
    except ConfigError as exc:
        raise _from_the_file(exc, config, profile, sources) from None
    return Resolved(settings, sources, profile, config)


def _from_the_file(
    exc: ConfigError, config: Config | None, profile: str | None, sources: Mapping[str, Source]
) -> ConfigError:
    """A bad value the config file gave, named by its file, line and key (not as a flag)."""
    option = re.match(r"--([a-z-]+) (.*)", str(exc))
    key = KEYS.get(option.group(1)) if option else None
    source = sources.get(key.field) if key else None
    if config is None or option is None or key is None or source not in ("profile", "config"):
        return exc
    where = config.where(profile if source == "profile" else None, key.field)
    return ConfigError(f"{where}: {option.group(2)}")


def _token_pair(
    env: Mapping[str, str],
    own: Mapping[str, object],
    shared: Mapping[str, object],
    saved: Token | None,
    key: str,
    sources: dict[str, Source],
) -> tuple[str, str]:
    """The access token and its secret, always from the same place."""
    layers: list[tuple[Source, object, object]] = [
        ("env", env.get(ENV_OAUTH_TOKEN), env.get(ENV_OAUTH_TOKEN_SECRET)),
        ("profile", own.get("oauth_token"), own.get("oauth_token_secret")),
        ("config", shared.get("oauth_token"), shared.get("oauth_token_secret")),
    ]
    # A token belongs to the key it was issued for: use the saved one only with that key.
    if saved and (not saved.api_key or saved.api_key == key):
        layers.append(("token file", saved.oauth_token, saved.oauth_token_secret))
    for source, token, secret in layers:
        if token:
            sources["oauth_token"] = sources["oauth_token_secret"] = source
            return _text(token), _text(secret)
    sources["oauth_token"] = sources["oauth_token_secret"] = "default"
    return "", ""


def _text(value: object) -> str:
    return "" if value is None else str(value)
