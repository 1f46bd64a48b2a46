"""What the fake knows about keys and tokens: the consumer, request/access tokens, used nonces."""

from __future__ import annotations

import secrets
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal

TokenKind = Literal["request", "access"]
DEFAULT_VERIFIER = "123-456-789"


@dataclass(slots=True)
class TokenRecord:
    token: str
    secret: str
    kind: TokenKind
    consumer_key: str
    perms: str = "read"
    callback: str = "oob"
    verifier: str | None = None  # set once the user approved a request token
    revoked: bool = False


class Credentials:
    """Thread-safe registry: tokens issued, approvals, nonces seen inside the timestamp window."""

    def __init__(
        self,
        api_key: str,
        api_secret: str,
        *,
        verifier: str = DEFAULT_VERIFIER,
        timestamp_window: float | None = 600.0,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.api_key = api_key
        self.api_secret = api_secret
        self.verifier = verifier
        self.timestamp_window = timestamp_window
        self.clock = clock
        self._lock = threading.Lock()
        self._tokens: dict[str, TokenRecord] = {}
        self._nonces: dict[tuple[str, str, str], float] = {}

    def issue(self, kind: TokenKind, *, perms: str = "read", callback: str = "oob") -> TokenRecord:
        digits = "".join(secrets.choice("0123456789") for _ in range(17))
        record = TokenRecord(
            token=f"{digits}-{secrets.token_hex(8)}",
            secret=secrets.token_hex(8),
            kind=kind,
            consumer_key=self.api_key,
            perms=perms,
            callback=callback,
        )
        with self._lock:
            self._tokens[record.token] = record
        return record

    def get(self, token: str, kind: TokenKind) -> TokenRecord | None:
        with self._lock:
            record = self._tokens.get(token)
        if record is None or record.kind != kind or record.revoked:
            return None
        return record

    def approve(self, request_token: str) -> str:
        """What the user's click on "OK, I'll authorize it" does; returns the verifier."""
        record = self.get(request_token, "request")
        if record is None:
            raise KeyError(request_token)
        record.verifier = self.verifier
        return self.verifier

    def revoke(self, token: str) -> None:
        with self._lock:
            record = self._tokens.get(token)
            if record is not None:
                record.revoked = True

    def timestamp_ok(self, timestamp: str) -> bool:
        if self.timestamp_window is None:
            return True
        try:
            value = int(timestamp)
        except ValueError:
            return False
        return abs(self.clock() - value) <= self.timestamp_window

    def use_nonce(self, nonce: str, timestamp: str, token: str) -> bool:
        """False when this nonce was already used with this token: Flickr refuses replays."""
        now = self.clock()
        key = (nonce, timestamp, token)
        with self._lock:
            if key in self._nonces:
                return False
            if len(self._nonces) > 100_000:  # forget what is outside the window anyway
                horizon = now - 2 * (self.timestamp_window or 600.0)
                self._nonces = {k: t for k, t in self._nonces.items() if t >= horizon}
            self._nonces[key] = now
            return True
