"""The nginx configuration that stands in front of the application, generated from the
back-office config (``kiosk backoffice nginx-config`` prints it; ``serve`` writes and runs it).

nginx terminates TLS because no Python ASGI server hands the verified client certificate to
the application (DESIGN.md §5). What the text below guarantees, and why it is laid out so:

- The API listener refuses every request without a certificate that chains to the
  back-office CA and is absent from its CRL (``ssl_verify_client on``); TLS 1.2 and 1.3 only.
- The certificate headers are set next to *every* ``proxy_pass``: nginx drops server-level
  ``proxy_set_header`` lines in a location that has one of its own, and then the client's own
  ``X-Client-Cert`` would reach the application. On enrollment they are set to "", which
  removes whatever the client sent.
- Enrollment is its own server block (``ssl_verify_client`` is not allowed in a location),
  rate-limited per address (a minute's worth may come at once: a technician enrolling a
  row of kiosks), with everything but its two paths answered 404.
- The web listener (the clerks' console and the citizens' phones, who have passwords and
  one-time links, not client certificates) is a third server block, open only on its two
  path prefixes; the certificate headers are emptied there as on enrollment, so a page can
  never pass for a kiosk.
- nginx's own refusals (495, 496, 413, 429, 502) become the API's coded JSON errors, so a
  kiosk reads one error format whoever refused it.
- The phones' requests are logged without their path and query: these carry the one-time
  URL's token and the provider's answer.
- Every runtime file (pid, logs, temp paths) lives under ``{state_dir}/nginx``, so a private
  nginx never touches /var/log/nginx or /run.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from kiosk.backoffice.config import BackofficeConfig
from kiosk.uplink.schemas import CA_PATH, ENROLL_PATH

# nginx's worker user when the master runs as root; the application's socket directory is
# opened to this group only (serve.prepare_socket_dir).
WORKER_USER, WORKER_GROUP = "nobody", "nogroup"
# The web listener's two rooms (the application routes them; nginx lets nothing else through).
CONSOLE_PREFIX, PHONE_PREFIX = "/console/", "/phone/"
CLIENT_CERT_HEADER = "X-Client-Cert"
CLIENT_VERIFY_HEADER = "X-Client-Verify"
# The upper bound of a command long-poll is 30 s: nginx must wait longer for the answer.
PROXY_READ_TIMEOUT_SECONDS = 65
_TEMP_PATHS = ("client_body", "proxy", "fastcgi", "uwsgi", "scgi")


@dataclass(frozen=True, slots=True)
class TlsFiles:
    """The files nginx reads at start (and at reload): the server's certificate and key, the
    CA that issued the kiosks' certificates, and that CA's CRL."""

    server_certificate: Path
    server_key: Path
    client_ca: Path
    crl: Path


def nginx_dir(config: BackofficeConfig) -> Path:
    return config.state_path / "nginx"


def socket_path(config: BackofficeConfig) -> Path:
    """The application's Unix socket, in a directory only nginx's worker can enter."""
    return config.state_path / "run" / "app.sock"


def config_path(config: BackofficeConfig) -> Path:
    return nginx_dir(config) / "nginx.conf"


def split_listen(listen: str) -> tuple[str, int]:
    """``host:port`` (``[v6]:port`` too) as the parts a client connects to."""
    host, _, port = listen.rpartition(":")
    return host.strip("[]"), int(port)


def _json_error(status: int, code: str, message: str) -> str:
    # Single-quoted nginx string: the JSON's double quotes need no escape; $variables expand.
    assert "'" not in message and '"' not in message, message
    return (f"return {status} '{{\"error\":{{\"code\":\"{code}\","
            f"\"message\":\"{message}\"}}}}\\n';")


# (nginx status, named location, answer status, code, message)
_ERRORS = (
    (496, "cert_required", 403, "CLIENT_CERT_REQUIRED",
     "this path needs the kiosk client certificate"),
    (495, "cert_invalid", 403, "CLIENT_CERT_INVALID",
     "the client certificate was refused: $ssl_client_verify"),
    (413, "too_large", 413, "BODY_TOO_LARGE", "the request body is over the limit"),
    (429, "rate_limited", 429, "RATE_LIMITED", "too many requests from this address"),
    (497, "plain_http", 400, "HTTPS_REQUIRED", "this port speaks HTTPS only"),
    (502, "unavailable", 503, "BACKEND_UNAVAILABLE", "the application is not answering"),
    (504, "unavailable", 503, "BACKEND_UNAVAILABLE", "the application is not answering"),
)


def _error_pages(indent: str) -> str:
    lines = [f"{indent}error_page {status} = @{name};" for status, name, *_ in _ERRORS]
    seen: set[str] = set()
    for _status, name, answer, code, message in _ERRORS:
        if name in seen:
            continue
        seen.add(name)
        lines.append(f"{indent}location @{name} {{ {_json_error(answer, code, message)} }}")
    return "\n".join(lines)


def _proxy(indent: str, *, certificate: bool) -> str:
    """A ``proxy_pass`` with every header it needs beside it (see the module docstring)."""
    cert, verify = ("$ssl_client_escaped_cert", "$ssl_client_verify") if certificate \
        else ('""', '""')
    return "\n".join(f"{indent}{line}" for line in (
        "proxy_pass http://backoffice_app;",
        "proxy_http_version 1.1;",
        'proxy_set_header Connection "";',
        "proxy_set_header Host $host;",
        "proxy_set_header X-Forwarded-For $remote_addr;",
        f"proxy_set_header {CLIENT_CERT_HEADER} {cert};",
        f"proxy_set_header {CLIENT_VERIFY_HEADER} {verify};",
    ))


def render(config: BackofficeConfig, tls: TlsFiles, *, as_root: bool | None = None) -> str:
    """The whole nginx.conf. ``as_root`` (default: whether we are root) adds the ``user``
    line, which nginx ignores with a warning when it is not started as root."""
    if as_root is None:
        as_root = os.geteuid() == 0
    base = nginx_dir(config)
    server = config.server
    body_limit = server.body_limit_bytes
    temp = "\n".join(f"    {kind}_temp_path {base / kind}_temp;" for kind in _TEMP_PATHS)
    user = f"user {WORKER_USER} {WORKER_GROUP};\n" if as_root else ""
    return f"""# Made by `kiosk backoffice nginx-config` from {config.source}: edit that, not this.
{user}worker_processes auto;
worker_rlimit_nofile 16384;  # 2 x worker_connections: a service may start with 1024 open files
pid {base / "nginx.pid"};
error_log {base / "error.log"} notice;

events {{
    worker_connections 8192;
}}

http {{
    access_log {base / "access.log"} combined buffer=64k flush=1s;
    # The phones' paths carry one-time tokens, and the callback the provider's code: logged
    # without path, query or referrer.
    log_format phone '$remote_addr - [$time_local] "$request_method {PHONE_PREFIX}..." '
                     '$status $body_bytes_sent "$http_user_agent"';
{temp}
    default_type application/json;
    server_tokens off;
    keepalive_timeout 75s;
    keepalive_requests 100000;
    client_max_body_size {body_limit};
    client_body_buffer_size {min(body_limit, 65_536)};
    proxy_read_timeout {PROXY_READ_TIMEOUT_SECONDS}s;

    ssl_protocols TLSv1.2 TLSv1.3;
    ssl_prefer_server_ciphers off;
    ssl_certificate {tls.server_certificate};
    ssl_certificate_key {tls.server_key};
    ssl_session_cache shared:kiosk_tls:10m;
    ssl_session_timeout 1h;

    limit_req_zone $binary_remote_addr zone=enroll:1m \
rate={config.enrollment.rate_per_minute}r/m;
    limit_req_status 429;

    upstream backoffice_app {{
        server unix:{socket_path(config)};
        keepalive 64;
    }}

    # The kiosk API: mutual TLS, every request.
    server {{
        listen {server.api_listen} ssl;
        server_name {server.public_host};
        ssl_client_certificate {tls.client_ca};
        ssl_crl {tls.crl};
        ssl_verify_client on;
        ssl_verify_depth 2;
{_error_pages("        ")}

        location / {{
{_proxy("            ", certificate=True)}
        }}
        # Enrollment is the other listener's, with its rate limit; not a second way in here.
        location {ENROLL_PATH} {{
            {_json_error(404, "NOT_FOUND", "enrollment has its own listener")}
        }}
    }}

    # Enrollment: the one listener that asks for no client certificate.
    server {{
        listen {server.enroll_listen} ssl;
        server_name {server.public_host};
{_error_pages("        ")}

        location = {ENROLL_PATH} {{
            limit_req zone=enroll burst={config.enrollment.rate_per_minute} nodelay;
{_proxy("            ", certificate=False)}
        }}
        location = {CA_PATH} {{
{_proxy("            ", certificate=False)}
        }}
        location / {{
            {_json_error(404, "NOT_FOUND", "no such path on the enrollment listener")}
        }}
    }}

    # The web: the clerks' console and the citizens' phones; no client certificate.
    server {{
        listen {server.web_listen} ssl;
        server_name {server.public_host};
{_error_pages("        ")}

        location {CONSOLE_PREFIX} {{
{_proxy("            ", certificate=False)}
        }}
        location {PHONE_PREFIX} {{
            access_log {base / "access.log"} phone buffer=64k flush=1s;
{_proxy("            ", certificate=False)}
        }}
        location = / {{
            return 302 {CONSOLE_PREFIX};
        }}
        location / {{
            {_json_error(404, "NOT_FOUND", "no such path on the web listener")}
        }}
    }}
}}
"""
