"""One ASGI app for the whole Supabase stand-in, assembled from its halves around one `StandinState`.

How the halves plug in (each is a module in `tests/standin/`):

- Auth (`tests.standin.auth.auth_routes(state: StandinState) -> list[BaseRoute]`): `/auth/v1` client
  endpoints and discovery. Always present.
- OAuth 2.1 server (`tests.standin.oauth.oauth_routes(state: StandinState) -> list[BaseRoute]`, full
  paths such as `/auth/v1/oauth/authorize`): included when the module exists. Reuse
  `tests.standin.auth.gotrue_error` / `require_apikey`, `StandinState.start_session`,
  `verify_access_token`, `flow_states` and the shared `clock` rather than re-implementing them.
- PostgREST (`tests.standin.rest.rest_routes(rest: RestStandin)`, mounted at `/rest/v1`): needs a
  PostgreSQL DSN, so it is included only when `build_standin_app(state, rest=...)` is handed a
  `RestStandin`; `make_rest(state, dsn)` builds one that shares the state's keys, anon key and clock.

A half whose module does not exist yet is left out (`importlib.util.find_spec`). The whole app sits
behind `tests.standin.gateway.KongGateway`, which does nothing unless `state.kong_gateway` is on.
"""

from __future__ import annotations

import contextlib
import importlib
import importlib.util
from collections.abc import AsyncIterator
from typing import Any

from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.routing import BaseRoute

from tests.standin.auth import auth_routes
from tests.standin.gateway import KongGateway
from tests.standin.state import StandinState


def _optional(module_name: str) -> Any | None:
    return importlib.import_module(module_name) if importlib.util.find_spec(module_name) else None


def present_halves(*, with_rest: bool = False) -> list[str]:
    names = ["auth"]
    if _optional("tests.standin.oauth") is not None:
        names.append("oauth")
    if with_rest:
        names.append("rest")
    return names


def make_rest(state: StandinState, dsn: str) -> Any:
    """A `RestStandin` over `dsn` that trusts the same keys, anon key and clock as `state`."""
    rest_module = _optional("tests.standin.rest")
    if rest_module is None:
        raise RuntimeError("the PostgREST half (tests/standin/rest.py) is not there yet")
    return rest_module.RestStandin(dsn=dsn, keys=state.keys, anon_key=state.anon_key, clock=state.clock)


def build_standin_app(state: StandinState, *, rest: Any | None = None) -> Starlette:
    routes: list[BaseRoute] = list(auth_routes(state))
    if (oauth := _optional("tests.standin.oauth")) is not None:
        routes += oauth.oauth_routes(state)
    if rest is not None:
        routes += importlib.import_module("tests.standin.rest").rest_routes(rest)

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        yield
        if rest is not None:
            await rest.aclose()

    app = Starlette(routes=routes, lifespan=lifespan, middleware=[Middleware(KongGateway, state=state)])
    app.state.standin = state
    return app
