"""``kiosk backoffice serve | nginx-config | command``: running the back-office's web side and
talking to kiosks through it. Registered into the ``kiosk backoffice`` group by
:mod:`kiosk.cli.backoffice`.

The back-office's modules (SQLAlchemy, Starlette, uvicorn behind them) are imported inside the
commands: the kiosk image carries the ``kiosk`` command without the ``backoffice`` extra.

Exit codes as everywhere (kiosk/cli/__init__.py): 0 done, 1 the back-office failed (a process
died, a kiosk is unknown), 2 bad usage (configuration, an unmigrated database, no CA).
"""

from __future__ import annotations

import argparse
from pathlib import Path

from kiosk.backoffice.config import BackofficeConfig, load
from kiosk.cli import output
from kiosk.errors import KioskError
from kiosk.uplink.schemas import CommandKind

# "You asked wrongly or set up wrongly", beyond the usage codes every command shares.
USAGE_CODES = {"DATABASE_NOT_MIGRATED", "CA_MISSING", "STATE_DIR_UNREACHABLE",
               "KIOSK_NOT_FOUND", "KIOSK_REVOKED"}


def register(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    serve_parser = commands.add_parser(
        "serve", help="run the application and nginx in front of it (stops on SIGTERM)")
    serve_parser.set_defaults(handler=cmd_serve)
    config_parser = commands.add_parser(
        "nginx-config", help="print the nginx configuration made from the back-office's")
    config_parser.set_defaults(handler=cmd_nginx_config)
    command = commands.add_parser("command", help="send a kiosk a command (lock, unlock, notice)")
    command.add_argument("name", help="the kiosk")
    command.add_argument("kind", choices=[kind.value for kind in CommandKind])
    command.add_argument("--message", default=None,
                         help="the clerk's words, shown on the kiosk (lock, notice)")
    command.add_argument("--json", action="store_true", help="print the result as JSON")
    command.set_defaults(handler=cmd_command)
    for parser in (serve_parser, config_parser, command):
        if not any(action.dest == "config" for action in parser._actions):
            parser.add_argument("--config", type=Path, default=None,
                                help="backoffice.toml (default: $KIOSK_BACKOFFICE_CONFIG, "
                                     "then /etc/kiosk/backoffice.toml)")


def _failed(exc: KioskError, as_json: bool = False) -> int:
    code = output.error(exc, as_json)
    return output.EXIT_USAGE if exc.code in USAGE_CODES else code


def _config(args: argparse.Namespace) -> tuple[BackofficeConfig, Path | None]:
    path: Path | None = args.config
    loaded = load(path)
    return loaded, (Path(loaded.source) if loaded.source != "(defaults)" else None)


def cmd_serve(args: argparse.Namespace) -> int:
    try:
        from kiosk.backoffice import serve  # noqa: PLC0415 - the extra's, see the docstring

        config, source = _config(args)
        return serve.serve(config, source)
    except KioskError as exc:
        return _failed(exc)


def cmd_nginx_config(args: argparse.Namespace) -> int:
    from kiosk.backoffice import nginx, serve  # noqa: PLC0415 - the extra's, see the docstring
    from kiosk.backoffice.ca import CertificateAuthority  # noqa: PLC0415

    try:
        config, _source = _config(args)
    except KioskError as exc:
        return _failed(exc)
    print(nginx.render(config, serve.tls_files(CertificateAuthority.from_config(config))),
          end="")
    return output.EXIT_OK


def cmd_command(args: argparse.Namespace) -> int:
    from kiosk.backoffice import db  # noqa: PLC0415 - the extra's, see the docstring
    from kiosk.backoffice.notify import issue_command  # noqa: PLC0415

    kind = CommandKind(args.kind)
    try:
        config, _source = _config(args)
        if kind is CommandKind.NOTICE and not args.message:
            raise KioskError("a notice needs --message", code="BAD_INPUT")
        engine = db.make_engine(config.database_url)
        try:
            with db.unavailable_as_error(engine.url), db.make_sessionmaker(engine).begin() as s:
                issued = issue_command(s, args.name, kind, args.message)
                data = {"command": issued.id, "kiosk": args.name, "kind": kind.value,
                        "message": args.message}
        finally:
            engine.dispose()
    except KioskError as exc:
        return _failed(exc, args.json)
    return output.result(data, args.json)
