"""studio-cli db check | set-aside: look at studio.db without trusting it.

Both work when the database cannot be opened (they do not start the Studio service).
`check` exits 0 when the database is healthy, 2 when it is damaged or has rows that cannot
be read; `set-aside` moves only a damaged database away (kept as `studio.db.bad`, then
`.1.bad`, ...), so the next command starts a fresh one.
"""

from __future__ import annotations

import argparse
import sys

from studio.cli.common import UsageError
from studio.cli.errors import describe_store_error
from studio.core.paths import StudioPaths
from studio.core.set_aside import set_aside_database
from studio.core.store import Store
from studio.core.store_errors import StoreDamaged, StoreError


def build(p: argparse.ArgumentParser) -> None:
    p.add_argument("action", choices=["check", "set-aside"],
                   help="check: is it readable, which rows are not; set-aside: move a "
                        "damaged database away so a fresh one starts")


async def run(paths: StudioPaths, args: argparse.Namespace) -> int:
    path = paths.db_file
    if not path.exists() and not path.is_symlink():
        print(f"{path}: no database yet (the first command creates it)")
        return 0
    try:
        store = Store(path)
    except StoreDamaged as exc:
        if args.action == "check":
            print(f"studio-cli: {describe_store_error(exc)}", file=sys.stderr)
            return 2
        moved = set_aside_database(path)
        print(f"{path} was damaged ({exc.reason}); it is kept as {moved}. The next command "
              "starts a fresh database.")
        return 0
    except StoreError as exc:
        raise UsageError(str(exc)) from None
    try:
        if args.action == "set-aside":
            print(f"{path} is not damaged; it was left where it is")
            return 0
        jobs = store.list_jobs(limit=-1)  # SQLite: no limit
        for bad in store.problems:
            print(f"studio-cli: {bad}", file=sys.stderr)
        print(f"{path}: readable, {len(jobs)} job(s)"
              + (f", {len(store.problems)} unreadable row(s) skipped" if store.problems else ""))
        return 2 if store.problems else 0
    finally:
        store.close()
