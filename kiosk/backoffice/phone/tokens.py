"""The secrets of a smartphone login, and the only forms of them the database keeps.

- The one-time URL's token, the OpenID ``state`` and the phone's flow cookie are random
  (256 bits); their SHA-256 is what a row holds and is looked up by.
- The PKCE verifier and the ``nonce`` are derived from the flow cookie (HMAC-SHA256), so the
  back-office stores neither: only the browser that started the login can finish it, and a
  worker that never saw the start can check its end.
- The code the phone shows is 6 digits: a plain digest of it would be reversed by trying a
  million values, so its digest is keyed (HMAC) with a key derived from the client secret,
  which lives in a file and not in the database.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets

CODE_DIGITS = 6


def new_token() -> str:
    return secrets.token_urlsafe(32)


def digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _derive(key: bytes, label: str) -> bytes:
    return hmac.new(key, label.encode(), hashlib.sha256).digest()


def pkce_verifier(flow: str) -> str:
    """RFC 7636's code verifier (43 characters of base64url) for the flow cookie ``flow``."""
    return base64.urlsafe_b64encode(_derive(flow.encode(), "pkce")).rstrip(b"=").decode()


def nonce(flow: str) -> str:
    return base64.urlsafe_b64encode(_derive(flow.encode(), "nonce")).rstrip(b"=").decode()


class CodeKey:
    """Makes the codes and their keyed digests."""

    def __init__(self, client_secret: str) -> None:
        self._key = _derive(client_secret.encode(), "kiosk phone code")

    def new_code(self) -> str:
        return f"{secrets.randbelow(10**CODE_DIGITS):0{CODE_DIGITS}d}"

    def digest(self, code: str) -> str:
        return hmac.new(self._key, code.encode(), hashlib.sha256).hexdigest()
