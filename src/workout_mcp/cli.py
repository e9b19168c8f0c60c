"""The `workout-mcp` command: serve (default), or fill the local log with demo training."""

from __future__ import annotations

import argparse
import asyncio
import gc
import sys
from datetime import UTC, datetime

from workout_mcp import __version__


def _weeks(text: str) -> int:
    from workout_mcp.store.demo import check_weeks

    try:
        return check_weeks(int(text))
    except ValueError as exc:
        message = (
            str(exc) if text.strip().lstrip("-").isdigit() else f"weeks must be a whole number, not {text!r}"
        )
        raise argparse.ArgumentTypeError(message) from None


async def _demo(weeks: int, force: bool) -> int:
    from workout_mcp.server import settings_or_exit
    from workout_mcp.store.base import StoreError
    from workout_mcp.store.demo import fill_demo
    from workout_mcp.store.local import LocalStore

    settings = settings_or_exit()
    if settings.uses_supabase:
        print("workout-mcp demo fills the local SQLite log; unset SUPABASE_URL to use it.", file=sys.stderr)
        return 2
    store = LocalStore(settings.workout_db_path)
    try:
        existing = await store.list_workouts(since=None, until=None, limit=1, offset=0)
        if existing.total and not force:
            print(
                f"{settings.workout_db_path} already holds {existing.total} workouts; "
                "pass --force to add demo training anyway.",
                file=sys.stderr,
            )
            return 1
        count = await fill_demo(store, weeks=weeks, today=datetime.now(UTC).date())
    except StoreError as exc:
        print(f"demo not added, the log is as it was: {exc}", file=sys.stderr)
        return 1
    finally:
        await store.aclose()
    print(f"logged {count} demo workouts over {weeks} weeks into {settings.workout_db_path}", file=sys.stderr)
    return 0


def parse(argv: list[str] | None) -> argparse.Namespace:
    from workout_mcp.data_commands import register as register_data_commands
    from workout_mcp.login.cli import add_parsers as add_login_parsers

    parser = argparse.ArgumentParser(prog="workout-mcp", description="Your workout log, inside Claude.")
    parser.add_argument("--version", action="version", version=f"workout-mcp {__version__}")
    sub = parser.add_subparsers(dest="command")
    sub.add_parser("serve", help="run the MCP server (default); MCP_TRANSPORT picks stdio or http")
    demo = sub.add_parser("demo", help="fill the local SQLite log with a few months of sample training")
    demo.add_argument(
        "--weeks", type=_weeks, default=12, help="how many weeks of training, 1 to 104 (default 12)"
    )
    demo.add_argument("--force", action="store_true", help="add demo training even if the log has workouts")
    register_data_commands(sub)
    add_login_parsers(sub)
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> None:
    from workout_mcp.server import building

    # The server's start-up policy (`workout_mcp.server.building`) from the first import on: `serve`
    # turns the collector back on once the server is built; every other command right after parsing.
    building()
    try:
        args = parse(argv)
    except BaseException:  # --help, --version and usage errors end here
        gc.enable()
        raise
    if args.command not in (None, "serve"):
        gc.enable()
    if getattr(args, "handler", None) is not None:
        raise SystemExit(args.handler(args))
    if args.command == "demo":
        raise SystemExit(asyncio.run(_demo(args.weeks, args.force)))
    if args.command in ("login", "token"):
        from workout_mcp.login.cli import run as run_login

        raise SystemExit(run_login(args))
    from workout_mcp.server import main as serve

    serve()


if __name__ == "__main__":
    main()
