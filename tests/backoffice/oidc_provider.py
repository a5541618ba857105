"""A real OpenID provider for the smartphone login's tests: panva's ``oidc-provider`` (npm),
run by Node on 127.0.0.1 with its development login forms (testing-the-back-office.md §4).

The package is installed by the tests themselves, once, into a cache directory outside the
clone (``$XDG_CACHE_HOME/cie-kiosk-tests/``, else ``~/.cache/...``), named for the major
version: a fresh clone installs it on its first run (a few seconds), later runs find it
there, and two xdist workers take turns through a file lock. The provider's script is the
project's (oidc/op.mjs), copied next to the installed package so that Node finds it.

    with start_provider(redirect_uri, accounts={"mario": {...}}) as provider:
        provider.issuer, provider.client_id, provider.client_secret
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import secrets
import shutil
import subprocess
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from joserfc.jwk import RSAKey

from tests.backoffice.stack import free_port

PACKAGE = "oidc-provider@9"
SCRIPT = Path(__file__).with_name("oidc") / "op.mjs"
START_TIMEOUT_SECONDS = 30.0
INSTALL_TIMEOUT_SECONDS = 300.0


def cache_dir() -> Path:
    base = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache")
    return base / "cie-kiosk-tests" / PACKAGE.replace("@", "-")


def installed() -> Path:
    """The directory with ``node_modules/oidc-provider``, installing it the first time."""
    directory = cache_dir()
    directory.mkdir(parents=True, exist_ok=True)
    with (directory.parent / f"{directory.name}.lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not (directory / "node_modules" / "oidc-provider" / "package.json").exists():
            npm = shutil.which("npm")
            assert npm is not None, "npm is missing: run scripts/dev.sh, which installs it"
            (directory / "package.json").write_text('{"private": true}\n')
            subprocess.run([npm, "install", "--no-audit", "--no-fund", "--loglevel=error",
                            PACKAGE], cwd=directory, check=True, capture_output=True,
                           timeout=INSTALL_TIMEOUT_SECONDS)
        script = directory / SCRIPT.name
        if not script.exists() or script.read_bytes() != SCRIPT.read_bytes():
            temporary = directory / f".{SCRIPT.name}.{os.getpid()}"
            shutil.copyfile(SCRIPT, temporary)
            temporary.replace(script)
    return directory


@dataclass(frozen=True)
class Provider:
    """``signing_key``: the provider's own key (the test made it), to sign tokens that only
    the claims checks can refuse."""

    issuer: str
    client_id: str
    client_secret: str
    signing_key: RSAKey
    log: Path


@contextlib.contextmanager
def start_provider(redirect_uri: str, accounts: dict[str, dict[str, Any]]) -> Iterator[Provider]:
    directory = installed()
    node = shutil.which("node")
    assert node is not None, "node is missing: run scripts/dev.sh, which installs it"
    port = free_port()
    client_secret = secrets.token_urlsafe(24)
    key = RSAKey.generate_key(2048, {"kid": "test-op-key", "alg": "RS256", "use": "sig"})
    logs = Path(tempfile.mkdtemp(prefix="oidc-provider-"))
    log = logs / "op.log"
    environment = {**os.environ, "OP_PORT": str(port), "OP_CLIENT_ID": "kiosk-backoffice",
                   "OP_CLIENT_SECRET": client_secret, "OP_REDIRECT_URI": redirect_uri,
                   "OP_ACCOUNTS": json.dumps(accounts), "NODE_ENV": "test",
                   "OP_JWKS": json.dumps({"keys": [key.as_dict(private=True)]})}
    with log.open("wb") as output:
        process = subprocess.Popen([node, SCRIPT.name], cwd=directory, env=environment,
                                   stdout=subprocess.PIPE, stderr=output,
                                   stdin=subprocess.DEVNULL)
    try:
        assert process.stdout is not None
        deadline = time.monotonic() + START_TIMEOUT_SECONDS
        line = b""
        while not line.startswith(b"READY"):
            assert time.monotonic() < deadline, f"the provider did not start:\n{log.read_text()}"
            line = process.stdout.readline()
            if not line and process.poll() is not None:
                raise RuntimeError(f"the provider exited:\n{log.read_text()}")
        yield Provider(line.split()[1].decode(), "kiosk-backoffice", client_secret, key, log)
    finally:
        process.terminate()
        try:
            process.wait(10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        shutil.rmtree(logs, ignore_errors=True)
