"""A tiny synchronous signed client (urllib + our own signer) for the fake's tests and demos."""

from __future__ import annotations

import json
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass, field
from typing import Any, Literal

from tests.fakeflickr.oauth import authorization_header, sign_params

Placement = Literal["query", "form", "header"]


@dataclass
class Reply:
    status: int
    headers: dict[str, str]
    body: bytes
    url: str = ""

    def json(self) -> Any:
        return json.loads(self.body)

    @property
    def text(self) -> str:
        return self.body.decode()


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: Any, **kwargs: Any) -> None:
        return None


def fetch(
    url: str,
    *,
    data: bytes | None = None,
    headers: dict[str, str] | None = None,
    follow: bool = True,
) -> Reply:
    """GET (or POST with data); HTTP errors come back as replies; `follow` redirects or not."""
    request = urllib.request.Request(url, data=data, headers=headers or {})
    opener = urllib.request.build_opener() if follow else urllib.request.build_opener(_NoRedirect)
    try:
        with opener.open(request, timeout=30) as response:
            return Reply(response.status, dict(response.headers), response.read(), response.url)
    except urllib.error.HTTPError as exc:
        return Reply(exc.code, dict(exc.headers), exc.read(), url)


@dataclass
class SignedClient:
    base_url: str
    api_key: str
    api_secret: str
    token: str = ""
    token_secret: str = ""
    extra: dict[str, str] = field(default_factory=dict)

    def signed(
        self, url: str, params: dict[str, str], method: str = "GET", **overrides: str
    ) -> list[tuple[str, str]]:
        return sign_params(
            method,
            url,
            params,
            consumer_key=overrides.get("consumer_key", self.api_key),
            consumer_secret=overrides.get("consumer_secret", self.api_secret),
            token=overrides.get("token", self.token),
            token_secret=overrides.get("token_secret", self.token_secret),
        )

    def send(self, url: str, pairs: list[tuple[str, str]], placement: Placement = "query") -> Reply:
        """Send already-signed pairs with the oauth_* params where `placement` says."""
        if placement == "query":
            return fetch(f"{url}?{urllib.parse.urlencode(pairs)}")
        if placement == "form":
            body = urllib.parse.urlencode(pairs).encode()
            return fetch(
                url, data=body, headers={"Content-Type": "application/x-www-form-urlencoded"}
            )
        plain = [(k, v) for k, v in pairs if not k.startswith("oauth_")]
        header = {"Authorization": authorization_header(pairs)}
        return fetch(f"{url}?{urllib.parse.urlencode(plain)}", headers=header)

    def call(self, method: str, placement: Placement = "query", **params: str) -> Any:
        """A signed REST call (POST for form placement); returns the decoded JSON."""
        url = f"{self.base_url}/rest/"
        full = {"method": method, "format": "json", "nojsoncallback": "1", **params}
        verb = "POST" if placement == "form" else "GET"
        return self.send(url, self.signed(url, full, verb), placement).json()

    def anonymous(self, method: str, **params: str) -> Any:
        """An unsigned call with `api_key=`: public photos only."""
        full = {"method": method, "format": "json", "nojsoncallback": "1", "api_key": self.api_key}
        return fetch(f"{self.base_url}/rest/?{urllib.parse.urlencode({**full, **params})}").json()
