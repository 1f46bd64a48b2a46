"""Which Flickr account an archive belongs to: recorded at its first run, checked at every one.

A backup made with another account's credentials (a mistyped profile `out`, a stray
FLICKR_OAUTH_TOKEN in cron's environment) would see every photo of the archive as deleted on
Flickr and rewrite sidecars and account files for someone else: it is refused before anything
changes, unless `--adopt-account` says the change is meant.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from pathlib import Path

from flickr_async import account_files
from flickr_async.errors import OtherAccountError
from flickr_async.fsutil import read_json
from flickr_async.state import State

log = logging.getLogger(__name__)

ACCOUNT_KEY = "account"  # state meta: {"nsid": ..., "username": ...} of the archive's account


@dataclass(frozen=True, slots=True)
class Owner:
    nsid: str
    username: str = ""

    def __str__(self) -> str:
        return f"{self.username} ({self.nsid})" if self.username else self.nsid

    def as_json(self) -> str:
        return json.dumps({"nsid": self.nsid, "username": self.username})


def recorded_owner(state: State, out: Path) -> Owner | None:
    """The account the archive records: the state's, else account.json's profile (what an
    archive whose state was lost still says); None for an archive that records none."""
    try:
        saved = json.loads(state.get_meta(ACCOUNT_KEY) or "null")
    except ValueError:
        saved = None
    if isinstance(saved, dict) and isinstance(saved.get("nsid"), str) and saved["nsid"]:
        return Owner(saved["nsid"], str(saved.get("username") or ""))
    profile = (read_json(out / account_files.ACCOUNT) or {}).get("profile")
    if isinstance(profile, dict) and isinstance(profile.get("nsid"), str) and profile["nsid"]:
        return Owner(profile["nsid"], str(profile.get("username") or ""))
    return None


def check_owner(state: State, out: Path, user: Owner, *, adopt: bool) -> None:
    """Raise OtherAccountError when `user` is not the archive's account and `adopt` is not
    given. Reads only: a refused run changes nothing."""
    recorded = recorded_owner(state, out)
    if recorded is not None and recorded.nsid != user.nsid and not adopt:
        raise OtherAccountError(
            f"{out} is the archive of Flickr account {recorded}, but these credentials are "
            f"account {user}'s: use that account's token or profile, or --adopt-account to "
            f"make the archive {user.username or user.nsid}'s from now on"
        )


def claim(state: State, out: Path, user: Owner) -> None:
    """Record `user` as the archive's account, saying so when it replaces another or when an
    archive with files recorded none (one made before accounts were recorded)."""
    if state.get_meta(ACCOUNT_KEY) == user.as_json():
        return
    recorded = recorded_owner(state, out)
    if recorded is not None and recorded.nsid != user.nsid:
        log.warning("%s was Flickr account %s's; it is now %s's (--adopt-account)", out,
                    recorded, user)  # fmt: skip
    elif recorded is None and state.has_files():
        log.warning("%s recorded no Flickr account: it is now %s's", out, user)
    state.set_meta({ACCOUNT_KEY: user.as_json()})
