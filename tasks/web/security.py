"""Who may use the review page: the holder of the token `shelfmatch serve` printed (Jupyter-style).

- The token arrives once in the URL (`/?token=…`); the page then sets a session cookie derived from it
  (HttpOnly, SameSite=Strict) and drops the token from the address bar. Scripts may send the token in
  the `X-Shelfmatch-Token` header instead.
- Every state-changing request (POST) also needs the CSRF value (a second value derived from the token)
  in the `X-CSRF-Token` header or the `csrf` form field, and an Origin, when the browser sends one, of
  this server: a page on another site can neither read the value nor ride on the cookie.
- The ABS provider (`/abs/...`) takes its own key in the Authorization header (what ABS sends), so the
  key stored in ABS opens no page.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass

from starlette.requests import Request

COOKIE = "shelfmatch_session"
TOKEN_HEADER = "X-Shelfmatch-Token"
CSRF_HEADER = "X-CSRF-Token"
LOOPBACK = {"127.0.0.1", "::1", "localhost"}


def new_token() -> str:
    return secrets.token_urlsafe(24)


def _derive(token: str, purpose: str) -> str:
    return hmac.new(token.encode(), purpose.encode(), hashlib.sha256).hexdigest()


def _same(a: str | None, b: str) -> bool:
    return a is not None and hmac.compare_digest(a.encode(), b.encode())


@dataclass(frozen=True)
class Security:
    token: str
    provider_key: str | None = None

    @property
    def session(self) -> str:
        return _derive(self.token, "session")

    @property
    def csrf(self) -> str:
        return _derive(self.token, "csrf")

    def authenticated(self, request: Request) -> bool:
        return _same(request.cookies.get(COOKIE), self.session) or _same(
            request.headers.get(TOKEN_HEADER), self.token
        )

    def url_token_ok(self, request: Request) -> bool:
        return _same(request.query_params.get("token"), self.token)

    def same_origin(self, request: Request) -> bool:
        origin = request.headers.get("origin")
        if origin is None:  # not every client sends one; the CSRF value still has to match
            return True
        host = request.headers.get("host", "")
        return origin in (f"http://{host}", f"https://{host}")

    def csrf_ok(self, request: Request, form_value: str | None) -> bool:
        return self.same_origin(request) and (
            _same(request.headers.get(CSRF_HEADER), self.csrf) or _same(form_value, self.csrf)
        )

    def provider_ok(self, authorization: str | None) -> bool:
        if not self.provider_key or not authorization:
            return False
        value = authorization.strip()
        if value[:7].lower() == "bearer ":
            value = value[7:].strip()
        return _same(value, self.provider_key)


def check_bind(host: str, user_token: str | None) -> None:
    """Beyond loopback only with a token the user set (a random one would be printed to whoever reads
    the log of a shared machine, and change at every start)."""
    if host not in LOOPBACK and not user_token:
        raise ValueError(
            f"Refusing to listen on {host}: beyond 127.0.0.1 the page needs a token you set — "
            "export SHELFMATCH_SERVE_TOKEN=<a long random value> (e.g. `python -c 'import secrets; "
            "print(secrets.token_urlsafe(32))'`) and start again."
        )
