"""The saved OAuth token: read, and written atomically with mode 0600 (no network here:
settings reads it at every start)."""

from __future__ import annotations

import json
import os
import tempfile
from dataclasses import asdict, dataclass
from pathlib import Path

from flickr_async.errors import ConfigError


@dataclass(frozen=True)
class Token:
    """What `flickr-async auth` saves. The key is kept with its token: they only work together."""

    oauth_token: str
    oauth_token_secret: str
    user_nsid: str = ""
    username: str = ""
    fullname: str = ""
    api_key: str = ""
    api_secret: str = ""

    def __repr__(self) -> str:  # never leak secrets through logs or tracebacks
        return f"Token(user_nsid={self.user_nsid!r}, username={self.username!r})"


def load_token(path: Path) -> Token | None:
    """The saved token, or None when there is no file. A damaged file is a one-line error."""
    try:
        raw = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return None
    except OSError as exc:
        raise ConfigError(f"cannot read token file {path}: {exc.strerror}") from exc
    try:
        data = json.loads(raw)
        return Token(
            oauth_token=str(data["oauth_token"]),
            oauth_token_secret=str(data["oauth_token_secret"]),
            user_nsid=str(data.get("user_nsid", "")),
            username=str(data.get("username", "")),
            fullname=str(data.get("fullname", "")),
            api_key=str(data.get("api_key", "")),
            api_secret=str(data.get("api_secret", "")),
        )
    except (ValueError, KeyError, TypeError) as exc:
        raise ConfigError(f"token file {path} is damaged; run `flickr-async auth` again") from exc


def save_token(path: Path, token: Token) -> None:
    """Write atomically with mode 0600 from the first byte (no window where others can read)."""
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    fd, tmp = tempfile.mkstemp(prefix=".token-", dir=path.parent)
    try:
        if hasattr(os, "fchmod"):  # Windows (before 3.13) has none: the folder's ACL applies
            os.fchmod(fd, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            json.dump(asdict(token), fh, indent=2)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
