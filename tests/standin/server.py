"""Run the Supabase stand-in by hand: `python -m tests.standin.server --port 54321`."""

from __future__ import annotations

import argparse

import uvicorn

from tests.standin.app import build_standin_app, make_rest, present_halves
from tests.standin.state import StandinState


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=54321)
    parser.add_argument("--email", default="demo@example.com")
    parser.add_argument("--password", default="demo-password-123")
    parser.add_argument("--dsn", default=None, help="PostgreSQL DSN: also serve the PostgREST half")
    parser.add_argument("--client-id", default=None, help="also print an access token for this OAuth client")
    parser.add_argument(
        "--kong", action="store_true", help="put the self-hosted Kong gateway's key check in front"
    )
    parser.add_argument("--captcha-token", default=None, help="turn CAPTCHA on; this token passes")
    args = parser.parse_args()

    state = StandinState(base_url=f"http://{args.host}:{args.port}", kong_gateway=args.kong)
    if args.captcha_token:
        state.captcha_enabled = True
        state.captcha_tokens.add(args.captcha_token)
    user = state.add_user(args.email, args.password)
    print(f"Supabase stand-in   {state.base_url}")
    print(f"  issuer            {state.issuer}")
    print(f"  SUPABASE_ANON_KEY {state.anon_key}")
    print(f"  demo user         {user.email} / {args.password} (id {user.id})")
    print(f"  halves            {', '.join(present_halves(with_rest=args.dsn is not None))}")
    print(
        f"  kong gateway      {'on' if state.kong_gateway else 'off'}, captcha {'on' if state.captcha_enabled else 'off'}"
    )
    if args.client_id:
        print(f"  access token      {state.mint(user, client_id=args.client_id, ttl=86400)}", flush=True)
    rest = None if args.dsn is None else make_rest(state, args.dsn)
    uvicorn.run(build_standin_app(state, rest=rest), host=args.host, port=args.port, log_level="info")


if __name__ == "__main__":
    main()
