"""The back-office as an OpenID Connect relying party (Authlib): the authorization code flow
with PKCE (S256), ``state`` and ``nonce``; the ID token checked against the provider's JWKS
(signature, issuer, audience, nonce, expiry) with joserfc, the library Authlib's own JOSE
code now points to.

The provider is found from its issuer's ``/.well-known/openid-configuration`` and its keys
from ``jwks_uri``; both are kept in memory for :data:`CACHE_SECONDS` (each worker its own
copy: they are what the provider publishes, not state), and the keys are fetched again once
when a token names a key id they lack (the provider rotated its keys).

The identity claims may be in the ID token or only at the userinfo endpoint (the CIE/SPID
OIDC profile puts them there): what the ID token lacks is asked of userinfo, whose ``sub``
must be the ID token's. Their names are configured (``[phone.claims]``).
"""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass
from typing import Any

import httpx2
from authlib.common.errors import AuthlibBaseError
from authlib.integrations.httpx_client import AsyncOAuth2Client
from joserfc import jwt
from joserfc.errors import InvalidKeyIdError, JoseError
from joserfc.jwk import KeySet

from kiosk.backoffice.config import BackofficeConfig, Phone
from kiosk.config import ConfigError
from kiosk.errors import KioskError

CACHE_SECONDS = 3600.0
HTTP_TIMEOUT_SECONDS = 10.0
LEEWAY_SECONDS = 60
ALGORITHMS = ("RS256", "PS256", "ES256")
CALLBACK = "callback"
_ENDPOINTS = ("authorization_endpoint", "token_endpoint", "jwks_uri")
# The CIE/SPID gateways give the codice fiscale as an ETSI "TIN" with its country.
_FISCAL_PREFIX = "TINIT-"


class LoginFailed(KioskError):
    """``PROVIDER_UNAVAILABLE`` (try later), ``PROVIDER_REFUSED`` (the provider said no, or
    the citizen cancelled), ``ID_TOKEN_INVALID`` (the answer failed a check: nothing of it is
    used), ``IDENTITY_INCOMPLETE`` (a configured claim is missing)."""


@dataclass(frozen=True, slots=True)
class Identity:
    given_name: str
    family_name: str
    fiscal_number: str


@dataclass(frozen=True, slots=True)
class _Provider:
    metadata: dict[str, Any]
    keys: KeySet
    fetched: float


class RelyingParty:
    def __init__(self, settings: Phone, client_secret: str) -> None:
        self.settings = settings
        self._secret = client_secret
        self._provider: _Provider | None = None
        self._lock = asyncio.Lock()

    @classmethod
    def from_config(cls, config: BackofficeConfig) -> RelyingParty:
        settings = config.phone
        missing = [name for name in ("client_id", "client_secret_file", "public_url")
                   if not getattr(settings, name)]
        if missing:
            raise ConfigError(f"{config.source}: phone: {', '.join(missing)} needed with issuer")
        path = config.resolve(settings.client_secret_file)
        try:
            secret = path.read_text(encoding="utf-8").strip()
        except OSError as exc:
            raise ConfigError(f"phone.client_secret_file: cannot read {path}: "
                              f"{exc.strerror}") from None
        if not secret:
            raise ConfigError(f"phone.client_secret_file: {path} is empty")
        return cls(settings, secret)

    @property
    def client_secret(self) -> str:
        return self._secret

    @property
    def redirect_uri(self) -> str:
        return f"{self.settings.public_url}/phone/{CALLBACK}"

    def _client(self) -> AsyncOAuth2Client:
        return AsyncOAuth2Client(
            client_id=self.settings.client_id, client_secret=self._secret,
            scope=" ".join(self.settings.scopes), redirect_uri=self.redirect_uri,
            code_challenge_method="S256", timeout=HTTP_TIMEOUT_SECONDS, trust_env=False)

    async def authorization_url(self, state: str, nonce: str, verifier: str) -> str:
        provider = await self._current()
        async with self._client() as client:
            url, _ = client.create_authorization_url(
                provider.metadata["authorization_endpoint"], state=state, nonce=nonce,
                code_verifier=verifier)
        return str(url)

    async def identify(self, code: str, verifier: str, nonce: str) -> Identity:
        """The code exchanged (with the PKCE verifier), the ID token checked, the claims read."""
        provider = await self._current()
        metadata = provider.metadata
        async with self._client() as client:
            try:
                token = await client.fetch_token(metadata["token_endpoint"], code=code,
                                                 code_verifier=verifier,
                                                 grant_type="authorization_code")
            except AuthlibBaseError as exc:  # the provider's error answer (invalid_grant...)
                raise LoginFailed(f"the provider refused the code: {exc.error}",
                                  code="PROVIDER_REFUSED") from None
            except httpx2.HTTPError as exc:
                raise _unavailable("token", exc) from None
            id_token = token.get("id_token")
            if not isinstance(id_token, str):
                raise LoginFailed("no ID token in the provider's answer",
                                  code="ID_TOKEN_INVALID")
            claims = await self.check_id_token(id_token, nonce)
            wanted = self.settings.claims
            names = (wanted.given_name, wanted.family_name, wanted.fiscal_number)
            if any(not claims.get(name) for name in names) and metadata.get("userinfo_endpoint"):
                claims = {**await self._userinfo(client, metadata["userinfo_endpoint"],
                                                 claims["sub"]), **claims}
        values = [claims.get(name) for name in names]
        if not all(isinstance(value, str) and value.strip() for value in values):
            absent = [name for name, value in zip(names, values, strict=True)
                      if not isinstance(value, str) or not value.strip()]
            raise LoginFailed(f"the provider gave no {', '.join(absent)}",
                              code="IDENTITY_INCOMPLETE")
        given, family, fiscal = (str(value).strip() for value in values)
        if fiscal.upper().startswith(_FISCAL_PREFIX):
            fiscal = fiscal[len(_FISCAL_PREFIX):]
        return Identity(given[:128], family[:128], fiscal.upper()[:32])

    async def check_id_token(self, id_token: str, nonce: str) -> dict[str, Any]:
        """The ID token's claims, once its signature (by a key of the provider's JWKS), issuer,
        audience, nonce, expiry and issue time are checked."""
        provider = await self._current()
        try:
            try:
                decoded = jwt.decode(id_token, provider.keys, algorithms=list(ALGORITHMS))
            except InvalidKeyIdError:
                provider = await self._current(refresh=True)
                decoded = jwt.decode(id_token, provider.keys, algorithms=list(ALGORITHMS))
            jwt.JWTClaimsRegistry(
                leeway=LEEWAY_SECONDS,
                iss={"essential": True, "value": self.settings.issuer},
                aud={"essential": True, "value": self.settings.client_id},
                nonce={"essential": True, "value": nonce},
                exp={"essential": True}, iat={"essential": True}, sub={"essential": True},
            ).validate(decoded.claims)
        except JoseError as exc:
            raise LoginFailed(f"the ID token failed its check: {exc.error}",
                              code="ID_TOKEN_INVALID") from None
        audience = decoded.claims["aud"]
        if isinstance(audience, list) and len(audience) > 1 \
                and decoded.claims.get("azp") != self.settings.client_id:
            raise LoginFailed("the ID token is for another party too, and not authorised "
                              "for this one", code="ID_TOKEN_INVALID")
        return dict(decoded.claims)

    async def _userinfo(self, client: AsyncOAuth2Client, endpoint: str,
                        subject: str) -> dict[str, Any]:
        try:
            response = await client.get(endpoint)
        except httpx2.HTTPError as exc:
            raise _unavailable("userinfo", exc) from None
        if response.status_code != 200:
            raise LoginFailed(f"userinfo answered {response.status_code}",
                              code="PROVIDER_REFUSED")
        try:
            info = response.json()
        except ValueError:
            raise LoginFailed("userinfo is not JSON", code="ID_TOKEN_INVALID") from None
        if not isinstance(info, dict) or info.get("sub") != subject:
            raise LoginFailed("userinfo is about another subject", code="ID_TOKEN_INVALID")
        return info

    async def _current(self, *, refresh: bool = False) -> _Provider:
        async with self._lock:
            known = self._provider
            if known is None or refresh or time.monotonic() - known.fetched > CACHE_SECONDS:
                self._provider = await self._discover()
            assert self._provider is not None
            return self._provider

    async def _discover(self) -> _Provider:
        issuer = self.settings.issuer
        async with httpx2.AsyncClient(timeout=HTTP_TIMEOUT_SECONDS, trust_env=False) as http:
            try:
                metadata = _json(await http.get(f"{issuer}/.well-known/openid-configuration"))
                if metadata.get("issuer") != issuer:
                    raise LoginFailed(f"the provider at {issuer} calls itself "
                                      f"{metadata.get('issuer')!r}", code="PROVIDER_UNAVAILABLE")
                if not all(isinstance(metadata.get(name), str) for name in _ENDPOINTS):
                    raise LoginFailed("the provider's discovery document lacks an endpoint",
                                      code="PROVIDER_UNAVAILABLE")
                if "S256" not in metadata.get("code_challenge_methods_supported", ["S256"]):
                    raise LoginFailed("the provider does not offer PKCE S256",
                                      code="PROVIDER_UNAVAILABLE")
                keys = KeySet.import_key_set(_json(await http.get(metadata["jwks_uri"])))  # type: ignore[arg-type]
            except (httpx2.HTTPError, KeyError, ValueError, JoseError) as exc:
                raise _unavailable("discovery", exc) from None
        return _Provider(metadata, keys, time.monotonic())


def _json(response: httpx2.Response) -> dict[str, Any]:
    response.raise_for_status()
    value = response.json()
    if not isinstance(value, dict):
        raise ValueError("not a JSON object")
    return value


def _unavailable(step: str, exc: Exception) -> LoginFailed:
    return LoginFailed(f"the provider did not answer ({step}: {type(exc).__name__})",
                       code="PROVIDER_UNAVAILABLE")
