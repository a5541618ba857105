"""The relying party on its own, against the real provider (oidc-provider): what it accepts
and what it refuses. The phone is a browser context; the provider's redirect back is caught
before it leaves the browser, so the test holds the authorization code itself."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Coroutine, Iterator, Mapping
from concurrent.futures import ThreadPoolExecutor
from typing import Any, TypeVar
from urllib.parse import parse_qs, urlsplit

import pytest
from joserfc import jwt
from joserfc.jwk import RSAKey
from playwright.sync_api import Browser, Route

from kiosk.backoffice.config import Phone
from kiosk.backoffice.phone import tokens
from kiosk.backoffice.phone.oidc import Identity, LoginFailed, RelyingParty
from tests.backoffice.oidc_provider import Provider, start_provider
from tests.backoffice.phone_fixtures import CITIZENS, through_provider
from tests.browser import new_page

pytestmark = pytest.mark.slow
T = TypeVar("T")
# The back-office's address as the provider knows it; the browser never reaches it.
PUBLIC_URL = "http://127.0.0.1:9"


@pytest.fixture(scope="module")
def provider() -> Iterator[Provider]:
    with start_provider(f"{PUBLIC_URL}/phone/callback", CITIZENS) as started:
        yield started


def run(work: Coroutine[Any, Any, T]) -> T:
    """``work`` on an event loop of its own thread: Playwright's sync API keeps one running
    on this thread."""
    with ThreadPoolExecutor(1) as pool:
        return pool.submit(asyncio.run, work).result()


def party(provider: Provider, **settings: str) -> RelyingParty:
    values = {"issuer": provider.issuer, "client_id": provider.client_id,
              "public_url": PUBLIC_URL, **settings}
    return RelyingParty(Phone.model_validate(values), provider.client_secret)


def authorization_code(browser: Browser, provider: Provider, flow: str,
                       login: str = "mario") -> str:
    """Log in at the provider for the flow cookie ``flow``; the code it sends back."""
    url = run(party(provider).authorization_url(tokens.new_token(), tokens.nonce(flow),
                                                        tokens.pkce_verifier(flow)))
    page = new_page(browser)
    caught: list[str] = []

    def back_home(route: Route) -> None:
        caught.append(route.request.url)
        route.fulfill(status=200, body="caught")

    page.route(f"{PUBLIC_URL}/**", back_home)
    try:
        page.goto(url)
        through_provider(page, login)
        page.wait_for_selector("text=caught")
    finally:
        page.context.close()
    return parse_qs(urlsplit(caught[0]).query)["code"][0]


def identify(provider: Provider, code: str, verifier: str, nonce: str,
             **settings: str) -> Identity:
    return run(party(provider, **settings).identify(code, verifier, nonce))


def test_the_provider_s_citizen_is_identified(browser: Browser,
                                              provider: Provider) -> None:
    flow = tokens.new_token()
    code = authorization_code(browser, provider, flow)
    assert identify(provider, code, tokens.pkce_verifier(flow), tokens.nonce(flow)) == Identity(
        "Mario", "Rossi", "RSSMRA80A01H501U")
    with pytest.raises(LoginFailed) as again:  # a code is good once
        identify(provider, code, tokens.pkce_verifier(flow), tokens.nonce(flow))
    assert again.value.code == "PROVIDER_REFUSED"


def test_a_wrong_pkce_verifier_is_refused_by_the_provider(browser: Browser,
                                                         provider: Provider) -> None:
    flow = tokens.new_token()
    code = authorization_code(browser, provider, flow)
    with pytest.raises(LoginFailed) as refused:
        identify(provider, code, tokens.pkce_verifier(tokens.new_token()), tokens.nonce(flow))
    assert refused.value.code == "PROVIDER_REFUSED"


def test_an_id_token_with_another_nonce_is_refused(browser: Browser,
                                                   provider: Provider) -> None:
    flow = tokens.new_token()
    code = authorization_code(browser, provider, flow)
    with pytest.raises(LoginFailed) as refused:
        identify(provider, code, tokens.pkce_verifier(flow), tokens.nonce(tokens.new_token()))
    assert refused.value.code == "ID_TOKEN_INVALID"


def test_a_login_without_the_configured_claims_is_refused(browser: Browser,
                                                          provider: Provider) -> None:
    flow = tokens.new_token()
    code = authorization_code(browser, provider, flow, login="nobody-known")
    with pytest.raises(LoginFailed) as refused:
        identify(provider, code, tokens.pkce_verifier(flow), tokens.nonce(flow))
    assert refused.value.code == "IDENTITY_INCOMPLETE"


def signed(provider: Provider, claims: Mapping[str, object] | None = None,
           key: RSAKey | None = None) -> str:
    """An ID token for ``mario`` with nonce "n", signed with the provider's own key (or
    ``key``, under the provider's key id), ``claims`` changed."""
    now = int(time.time())
    payload = {"iss": provider.issuer, "aud": provider.client_id, "sub": "mario",
               "nonce": "n", "iat": now, "exp": now + 300, **(claims or {})}
    header = {"alg": "RS256", "kid": provider.signing_key.kid}
    return jwt.encode(header, payload, key or provider.signing_key)


def check(provider: Provider, token: str) -> dict[str, object]:
    return run(party(provider).check_id_token(token, "n"))


def test_the_provider_s_own_token_passes_the_checks(provider: Provider) -> None:
    assert check(provider, signed(provider))["sub"] == "mario"


@pytest.mark.parametrize("claims", [
    {"exp": int(time.time()) - 3600},  # expired (beyond the minute of leeway)
    {"aud": "someone-else"},
    {"aud": ["kiosk-backoffice", "someone-else"]},  # shared, and not authorised for us (azp)
    {"iss": "https://another-provider.example"},
    {"nonce": "another"},
    {"sub": None},
], ids=["expired", "audience", "shared-audience", "issuer", "nonce", "no-subject"])
def test_a_token_failing_a_claim_check_is_refused(provider: Provider,
                                                  claims: dict[str, object]) -> None:
    with pytest.raises(LoginFailed) as refused:
        check(provider, signed(provider, claims))
    assert refused.value.code == "ID_TOKEN_INVALID"


def test_a_token_signed_by_another_key_is_refused(provider: Provider) -> None:
    with pytest.raises(LoginFailed) as refused:
        check(provider, signed(provider, key=RSAKey.generate_key(2048)))
    assert refused.value.code == "ID_TOKEN_INVALID"
