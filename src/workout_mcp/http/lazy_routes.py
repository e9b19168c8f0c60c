"""Routes built on the first request for one of their paths.

The OAuth facade, the consent page and the `/account` page are visited a few times per person per month;
MCP requests come all the time. Building those pages at start-up imports templates, parsers, the
multipart reader and the facade's clients before the first MCP answer and keeps them in memory on a
machine that may never serve a sign-in. `LazyRoutes` stands in their place in the route table: it
claims exactly its declared paths, builds the real routes on the first request for one of them, and from
then on hands every such request to a router of those routes, which answers as the app's own router
would (405 with `Allow` for a wrong method, the same endpoints).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from starlette.datastructures import URLPath
from starlette.routing import BaseRoute, Match, Route, Router
from starlette.types import Receive, Scope, Send


class LazyRoutes(BaseRoute):
    def __init__(self, paths: Iterable[str], build: Callable[[], list[BaseRoute]]) -> None:
        self.paths = tuple(paths)
        self._claimed = frozenset(self.paths)
        self._build = build
        self._router: Router | None = None

    def matches(self, scope: Scope) -> tuple[Match, Scope]:
        if scope["type"] == "http" and scope["path"] in self._claimed:
            return Match.FULL, {}
        return Match.NONE, {}

    @property
    def built(self) -> bool:
        return self._router is not None

    def router(self) -> Router:
        """The real routes, built once (synchronously, on the event loop's thread: nothing can interleave);
        their paths must be exactly the declared ones."""
        if self._router is None:
            routes = self._build()
            built = [route.path for route in routes if isinstance(route, Route)]
            if sorted(built) != sorted(self.paths) or len(built) != len(routes):
                raise RuntimeError(f"lazy routes built {built}, declared {list(self.paths)}")
            self._router = Router(routes=routes)
        return self._router

    async def handle(self, scope: Scope, receive: Receive, send: Send) -> None:
        await self.router().app(scope, receive, send)

    def url_path_for(self, name: str, /, **path_params: Any) -> URLPath:
        return self.router().url_path_for(name, **path_params)
