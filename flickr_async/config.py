"""The config file: config.toml parsed and checked into defaults and named profiles.

Pure apart from reading the one file: no environment, no terminal. Top-level keys are
defaults for every run; `[profiles.NAME]` tables hold one account and archive each. Keys are
spelled like the long options (`api-rate`, or `api_rate`, never both in one table); KEYS below
is the one list of them, so an option added later is one line here. Every value of every
table is checked when the file is read, whichever profile a command then uses: its type
here, its range or choices by the `check` settings.py passes in. tomllib reports no line
numbers for the values it parsed, so a bad key's line is found by scanning the text for its
table and `key =`: right for plain tables and keys, the only shapes docs/configuration.md shows.
"""

from __future__ import annotations

import math
import re
import tomllib
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

from flickr_async.errors import ConfigError

Kind = Literal["string", "path", "integer", "number", "boolean"]
_KIND_WORDS: dict[Kind, str] = {
    "string": "a string",
    "path": "a path (a string)",
    "integer": "a whole number",
    "number": "a number",
    "boolean": "true or false",
}


@dataclass(frozen=True)
class Key:
    """One key of the file: the Settings field it sets and the TOML type it takes.

    `secret`: masked when shown, and a reason to keep the file private. `own`: a profile's
    own (its archive, its account), never inherited from the top-level defaults.
    """

    field: str
    kind: Kind
    secret: bool = False
    own: bool = False


KEYS: dict[str, Key] = {
    "out": Key("out", "path", own=True),
    "token-file": Key("token_file", "path", own=True),
    "report": Key("report_file", "path", own=True),
    "oauth-token": Key("oauth_token", "string", secret=True, own=True),
    "oauth-token-secret": Key("oauth_token_secret", "string", secret=True, own=True),
    "api-key": Key("api_key", "string"),
    "api-secret": Key("api_secret", "string", secret=True),
    "api-base": Key("api_base", "string"),
    "concurrency": Key("concurrency", "integer"),
    "api-rate": Key("api_rate", "number"),
    "max-api-calls": Key("max_api_calls", "integer"),
    "full-listing-every": Key("full_listing_every", "number"),
    "max-retry-wait": Key("retry_max_wait", "number"),
    # Values of string options are checked by Settings.validate, like the flags' values.
    "layout": Key("layout", "string"),
    "names": Key("names", "string"),
    "links": Key("links", "string"),
    "metadata": Key("metadata", "string"),
    "exif": Key("exif", "boolean"),
    "xmp": Key("xmp", "boolean"),
    "favorites": Key("favorites", "boolean"),
    "site": Key("site", "boolean"),
    "quiet": Key("quiet", "boolean"),
}
FIELD_KEYS = {key.field: name for name, key in KEYS.items()}  # Settings field -> key name
PROFILES = "profiles"
# A value's check beyond its type (settings.check_value: ranges, choices, templates): raises
# ConfigError("--key problem"), which parse_config names by file, line and key.
Check = Callable[[str, object], None]
_PROFILE_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]*\Z")  # also a folder name


@dataclass(frozen=True)
class Config:
    """A parsed config file. Values are keyed by Settings field, paths already resolved."""

    path: Path
    defaults: Mapping[str, object] = field(default_factory=dict)
    profiles: Mapping[str, Mapping[str, object]] = field(default_factory=dict)
    secrets: tuple[str, ...] = ()  # the secret keys the file holds, by key name
    lines: Mapping[tuple[str | None, str], int] = field(default_factory=dict)  # (profile, field)
    tables: Mapping[str, int] = field(default_factory=dict)  # profile -> line of its header

    def profile(self, name: str) -> Mapping[str, object]:
        try:
            return self.profiles[name]
        except KeyError:
            known = ", ".join(self.profiles) or "none"
            raise ConfigError(f"no profile '{name}' in {self.path} (profiles: {known})") from None

    def out(self, profile: str | None) -> Path | None:
        """The archive folder of `profile` (None: the top-level `out`), if the file names one."""
        value = (self.profile(profile) if profile else self.defaults).get("out")
        return value if isinstance(value, Path) else None

    def where(self, profile: str | None, field: str) -> str:
        """`FILE:LINE: key` of a value, for a message about it."""
        line = self.lines.get((profile, field), 1)
        return f"{self.path}:{line}: {FIELD_KEYS.get(field, field)}"

    def missing_out(self, profile: str | None) -> ConfigError:
        """The error of a command that needs an archive folder the file does not name."""
        if profile is None:
            return ConfigError('no archive folder: give OUT, or set out = "..." in the config file')
        return ConfigError(
            f"{self.path}:{self.tables.get(profile, 1)}: [profiles.{profile}] has no out: "
            'give OUT, or add out = "..." to the profile'
        )

    def inherited(self) -> dict[str, object]:
        """The defaults a profile takes: all but the keys a profile must have of its own."""
        own = {key.field for key in KEYS.values() if key.own}
        return {k: v for k, v in self.defaults.items() if k not in own}


def load_config(path: Path, check: Check | None = None) -> Config:
    """Read and check `path`; ConfigError (one line naming the file and line) if it is bad.
    `check` is each value's check beyond its type (see parse_config)."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ConfigError(f"config file {path} does not exist") from None
    except (OSError, UnicodeDecodeError) as exc:
        reason = exc.strerror if isinstance(exc, OSError) else "not UTF-8 text"
        raise ConfigError(f"cannot read config file {path}: {reason}") from exc
    return parse_config(text, path, check)


def parse_config(text: str, path: Path, check: Check | None = None) -> Config:
    """The file's text parsed; every value of every table is checked now, whichever profile
    a command will use: its type, and with `check` its range or choices."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        found = re.search(r"\(at line (\d+), column \d+\)", str(exc))
        reason = re.sub(r"\s*\(at line \d+, column \d+\)", "", str(exc))
        line = found.group(1) if found else "1"
        raise ConfigError(f"{path}:{line}: not valid TOML: {reason}") from None
    where = _Where(text, path, check)
    secrets: list[str] = []
    lines: dict[tuple[str | None, str], int] = {}
    tables: dict[str, int] = {}
    profiles: dict[str, dict[str, object]] = {}
    # Top-level keys come before any table in TOML: checked first, in the file's order.
    top = {name: value for name, value in data.items() if name != PROFILES}
    defaults = _values(top, None, where, secrets, lines)
    for name, value in data.items():
        if name == PROFILES:
            if not isinstance(value, dict):
                raise where.error((), name, "must be a table of profiles: [profiles.NAME]")
            for profile, table in value.items():
                if not _PROFILE_NAME.match(profile):
                    raise where.error(
                        (PROFILES,), profile, "a profile's name takes letters, digits, - _ ."
                    )
                if not isinstance(table, dict):
                    raise where.error(
                        (PROFILES,), profile, f"must be a table: [profiles.{profile}]"
                    )
                tables[profile] = where.line_of((PROFILES,), profile)
                profiles[profile] = _values(table, profile, where, secrets, lines)
    return Config(path, defaults, profiles, tuple(dict.fromkeys(secrets)), lines, tables)


def secret_warning(config: Config, mode: int) -> str | None:
    """A warning when a file holding secrets may be read by group or others (`mode`: st_mode)."""
    if not config.secrets or not mode & 0o044:
        return None
    return (
        f"{config.path} holds {', '.join(config.secrets)} and others may read it "
        f"(mode {mode & 0o777:04o}): chmod 600 {config.path}"
    )


def _values(
    table: Mapping[str, object],
    profile: str | None,
    where: _Where,
    secrets: list[str],
    lines: dict[tuple[str | None, str], int],
) -> dict[str, object]:
    """One table's values by Settings field; their lines go into `lines`."""
    where_table = () if profile is None else (PROFILES, profile)
    values: dict[str, object] = {}
    spelled: dict[str, str] = {}  # field -> the key's spelling in this table
    for raw_name, value in table.items():
        name = raw_name.replace("_", "-")
        key = KEYS.get(name)
        if key is None:
            raise where.error(where_table, raw_name, "unknown key")
        if key.field in spelled:  # `api-rate` and `api_rate`: which one was meant?
            raise where.error(
                where_table,
                raw_name,
                f"given twice in one table, as {spelled[key.field]} and {raw_name}: keep one",
            )
        spelled[key.field] = raw_name
        if not _fits(key.kind, value):
            raise where.error(where_table, raw_name, f"must be {_KIND_WORDS[key.kind]}")
        problem = _problem(key, value)
        if problem:
            raise where.error(where_table, raw_name, problem)
        try:
            values[key.field] = _checked(key, value, where.path)
        except RuntimeError as exc:  # `~nosuchuser/x`: expanduser cannot name a home
            raise where.error(where_table, raw_name, str(exc)) from None
        where.check_value(where_table, raw_name, key.field, values[key.field])
        lines[profile, key.field] = where.line_of(where_table, raw_name)
        if key.secret:
            secrets.append(name)
    return values


def _fits(kind: Kind, value: object) -> bool:
    if kind in ("string", "path"):
        return isinstance(value, str)
    if kind == "boolean":
        return isinstance(value, bool)
    if kind == "integer":
        return isinstance(value, int) and not isinstance(value, bool)
    return isinstance(value, int | float) and not isinstance(value, bool)


def _problem(key: Key, value: object) -> str | None:
    """What is wrong with a value of the right type whatever option it sets; None if nothing."""
    if key.kind == "path" and not str(value).strip():
        # Not "the config file's own folder": an empty out is a mistake, not a choice.
        return "must not be empty"
    if key.kind == "number" and not _finite(value):
        return "must be a finite number (not nan or inf)"
    return None


def _finite(value: object) -> bool:
    try:
        return math.isfinite(float(value))  # type: ignore[arg-type]
    except OverflowError:  # a TOML integer of hundreds of digits
        return False


def _checked(key: Key, value: object, config_path: Path) -> object:
    if key.kind == "number":
        return float(value)  # type: ignore[arg-type]
    if key.kind == "path":
        # `~` is the user's home; a relative path is relative to the config file's folder,
        # so that cron (whatever its working directory) finds the same folders.
        path = Path(str(value)).expanduser()
        return path if path.is_absolute() else config_path.parent / path
    return value


class _Where:
    """Lines of the file's keys, found by scanning its text (see the module docstring)."""

    def __init__(self, text: str, path: Path, check: Check | None = None) -> None:
        self.path = path
        self.lines = text.splitlines()
        self.check = check

    def error(self, table: tuple[str, ...], key: str, problem: str) -> ConfigError:
        return ConfigError(f"{self.path}:{self.line_of(table, key)}: {key}: {problem}")

    def check_value(self, table: tuple[str, ...], key: str, field: str, value: object) -> None:
        """`check` on one value; its `--option problem` becomes `FILE:LINE: key: problem`."""
        if self.check is None:
            return
        try:
            self.check(field, value)
        except ConfigError as exc:
            problem = re.sub(r"^--[a-z-]+(?: (?:'[^']*'|\"[^\"]*\"))?:? ", "", str(exc))
            raise self.error(table, key, problem) from None

    def line_of(self, table: tuple[str, ...], key: str) -> int:
        current: tuple[str, ...] = ()
        for number, line in enumerate(self.lines, 1):
            header = re.match(r"\s*\[\s*([^\[\]]+?)\s*\]\s*(#.*)?$", line)
            if header:
                current = _dotted(header.group(1))
                if current == (*table, key):  # the key names a table: `[profiles.family]`
                    return number
                continue
            assignment = re.match(r"\s*([^=#]+?)\s*=", line)
            if assignment and (*current, *_dotted(assignment.group(1)))[: len(table) + 1] == (
                *table,
                key,
            ):
                return number
        return 1


def _dotted(name: str) -> tuple[str, ...]:
    return tuple(part.strip().strip("\"'") for part in name.split("."))
