"""Nothing lost, nothing duplicated, at length: a kiosk process recording and sending audit
events is killed with SIGKILL 100 times at random moments, its back-office (the real stack:
nginx, mutual TLS, the application's workers) is away for a third of the run and restarted
under it once more; then the outbox is drained and the back-office's rows counted by
idempotency key and by seq (tests/uplink/kills.py; the test suite runs the same with 30).

Run from the repository root: ``.venv/bin/python -m bench.uplink_kills [--kills N]
[--postgresql]``. Prints figures; asserts nothing.
"""

from __future__ import annotations

import argparse
import random
import tempfile
from pathlib import Path

from tests.backoffice.stack import start_stack
from tests.postgres_daemon import PrivatePostgres
from tests.uplink import kills
from tests.uplink.home import enroll


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--kills", type=int, default=100)
    parser.add_argument("--postgresql", action="store_true",
                        help="a private PostgreSQL 15 instead of SQLite")
    args = parser.parse_args()
    postgres = PrivatePostgres() if args.postgresql else None
    try:
        url = None
        if postgres is not None:
            postgres.start()
            url = postgres.create_database("bench_kills")
        with start_stack(url) as stack, tempfile.TemporaryDirectory() as home_dir:
            home = enroll(stack, Path(home_dir), **kills.KILL_SETTINGS)
            figures = kills.run(stack, home, args.kills, random.Random())
    finally:
        if postgres is not None:
            postgres.stop()
    print(f"database      {'postgresql' if args.postgresql else 'sqlite'}")
    print(f"kills         {figures.kills}")
    print(f"events        {figures.events} committed, {figures.stored} stored")
    print(f"duplicates    {figures.duplicates}")
    print(f"lost          {figures.lost}")
    print(f"out of order  {figures.out_of_order}")
    print(f"time          {figures.seconds:.1f} s")


if __name__ == "__main__":
    main()
