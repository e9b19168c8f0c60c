"""The `login` and `token` sub-commands (wired into `workout-mcp` by `workout_mcp.cli`)."""

from __future__ import annotations

import argparse
import asyncio
import logging
import sys

from workout_mcp.login.credentials import CredentialStore, LoginError
from workout_mcp.login.flow import fresh_access_token, login, open_in_browser, show_url


def add_parsers(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    log_in = sub.add_parser(
        "login", help="sign in to a remote workout-mcp server in the browser and keep its refresh token"
    )
    log_in.add_argument("server", help="the server's URL: https://<app>.fly.dev or https://<app>.fly.dev/mcp")
    log_in.add_argument(
        "--no-browser", action="store_true", help="print the sign-in address instead of opening a browser"
    )
    log_in.add_argument("--timeout", type=float, default=300.0, help="seconds to wait for the browser (300)")
    token = sub.add_parser("token", help="print a fresh access token for a server you logged in to")
    token.add_argument("server", nargs="?", help="the server's URL (default: the one logged in to last)")


def run(args: argparse.Namespace) -> int:
    # The SDK logs its OAuth flow errors with tracebacks; the command reports them in one line.
    logging.getLogger("mcp.client.auth").setLevel(logging.CRITICAL + 1)
    store = CredentialStore()
    try:
        if args.command == "login":
            opener = show_url if args.no_browser else open_in_browser
            entry, tools = asyncio.run(
                login(args.server, store=store, open_url=opener, wait_seconds=args.timeout)
            )
            print(
                f"Signed in to {entry.mcp_url} ({tools} tools). The refresh token is in {store.path};\n"
                f"`workout-mcp token {entry.mcp_url}` prints an access token.",
                file=sys.stderr,
            )
        else:
            print(asyncio.run(fresh_access_token(args.server, store=store)))
    except LoginError as exc:
        print(f"workout-mcp {args.command}: {exc}", file=sys.stderr)
        return 1
    return 0
