"""Prometheus metrics: a few module-level hooks that cost one `None` check while metrics are off.

`enable()` builds every metric on a registry of its own (with the process, platform and GC collectors)
and `serve(host, port)` publishes it at `/metrics` on a port of its own, never the public one. Over
stdio nothing is enabled and every hook returns at once; `prometheus_client` is imported only by
`enable()`, so it stays out of the stdio start-up path.

Labels are bounded: routes come from the route table (anything else is `other`), statuses are classes
(`2xx`), tool and Supabase endpoint names must look like names and are capped in number, outcomes and
refusal reasons come from fixed sets. No user id, client id or raw path is ever a label.
"""

from __future__ import annotations

import re
import threading
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from prometheus_client import CollectorRegistry

PREFIX = "workout_mcp"
OTHER = "other"
# Distinct values accepted for an open label (tool names, Supabase endpoints) before `other`.
MAX_OPEN_VALUES = 64
_NAME = re.compile(r"^[A-Za-z0-9_./-]{1,64}$")
OAUTH_ENDPOINTS = frozenset({"register", "authorize", "callback", "token", "revoke", "consent"})
OAUTH_OUTCOMES = frozenset(
    {"registered", "redirected", "authorized", "denied", "exchanged", "refreshed", "revoked", "refused"}
)
OAUTH_REASONS = frozenset(
    {
        "invalid_request",
        "invalid_client",
        "invalid_grant",
        "unauthorized_client",
        "unsupported_grant_type",
        "invalid_scope",
        "invalid_target",
        "invalid_redirect_uri",
        "invalid_client_metadata",
        "unsupported_response_type",
        "access_denied",
        "server_error",
        "temporarily_unavailable",
        "error_page",
    }
)
TOOL_OUTCOMES = frozenset({"ok", "tool_error", "error"})
RATE_LIMITS = frozenset({"user", "ip", "unavailable"})
# Seconds; a tool call that reaches Supabase takes tens of milliseconds, a local one well under one.
LATENCY_BUCKETS = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)


class _OpenLabel:
    """A label whose values are not known in advance: name-like values, at most `MAX_OPEN_VALUES`."""

    def __init__(self) -> None:
        self.seen: set[str] = set()
        self.lock = threading.Lock()

    def __call__(self, value: str) -> str:
        if value in self.seen:
            return value
        if not _NAME.match(value):
            return OTHER
        with self.lock:
            if len(self.seen) >= MAX_OPEN_VALUES:
                return OTHER
            self.seen.add(value)
        return value


def _closed(value: str, allowed: frozenset[str]) -> str:
    return value if value in allowed else OTHER


def status_class(status: int) -> str:
    return f"{status // 100}xx" if 100 <= status <= 599 else OTHER


class Metrics:
    """Every metric of the server, on its own registry; the hooks below call these methods."""

    def __init__(self) -> None:
        from prometheus_client import (
            GC_COLLECTOR,
            PLATFORM_COLLECTOR,
            PROCESS_COLLECTOR,
            CollectorRegistry,
            Counter,
            Histogram,
            Info,
        )

        from workout_mcp import __version__

        self.registry: CollectorRegistry = CollectorRegistry(auto_describe=True)
        for collector in (PROCESS_COLLECTOR, PLATFORM_COLLECTOR, GC_COLLECTOR):
            self.registry.register(collector)
        reg = self.registry
        Info(f"{PREFIX}_build", "Version of the server", registry=reg).info({"version": __version__})
        self.requests = Counter(
            f"{PREFIX}_http_requests_total",
            "HTTP requests by route (route table template, else 'other') and status class",
            ["route", "status"],
            registry=reg,
        )
        self.tool_calls = Counter(
            f"{PREFIX}_tool_calls_total",
            "MCP tools/call by tool and outcome",
            ["tool", "outcome"],
            registry=reg,
        )
        self.tool_seconds = Histogram(
            f"{PREFIX}_tool_call_duration_seconds",
            "MCP tools/call latency by tool",
            ["tool"],
            buckets=LATENCY_BUCKETS,
            registry=reg,
        )
        self.oauth = Counter(
            f"{PREFIX}_oauth_outcomes_total",
            "OAuth facade outcomes by endpoint; reason is the OAuth error code of a refusal",
            ["endpoint", "outcome", "reason"],
            registry=reg,
        )
        self.rate_limited = Counter(
            f"{PREFIX}_rate_limited_total",
            "Requests refused by a rate limit (user, ip) or because the limiter was unavailable",
            ["limit"],
            registry=reg,
        )
        self.jwks = Counter(
            f"{PREFIX}_jwks_fetches_total", "Supabase JWKS fetches by outcome", ["outcome"], registry=reg
        )
        self.upstream = Counter(
            f"{PREFIX}_supabase_requests_total",
            "Calls to Supabase by endpoint and outcome (ok, http_error for 5xx/429, transport_error)",
            ["endpoint", "outcome"],
            registry=reg,
        )
        self.upstream_seconds = Histogram(
            f"{PREFIX}_supabase_request_duration_seconds",
            "Latency of calls to Supabase by endpoint",
            ["endpoint"],
            buckets=LATENCY_BUCKETS,
            registry=reg,
        )
        self.tool_label = _OpenLabel()
        self.endpoint_label = _OpenLabel()
        # Labelled children by label values: `labels()` takes a lock and builds a tuple every time. The
        # per-request ones are keyed by the raw values (bounded: routes x statuses; tool names are capped).
        self._children: dict[tuple[Any, ...], Any] = {}
        self._request_children: dict[tuple[str, int], Any] = {}
        self._tool_children: dict[tuple[str, str], tuple[Any, Any]] = {}

    def child(self, metric: Any, *values: str) -> Any:
        key = (id(metric), *values)
        found = self._children.get(key)
        if found is None:
            found = self._children[key] = metric.labels(*values)
        return found


_active: Metrics | None = None


def enable() -> Metrics:
    """Build the metrics (once per process) and switch every hook on."""
    global _active
    if _active is None:
        _active = Metrics()
    return _active


def disable() -> None:
    """Switch every hook off again (tests)."""
    global _active
    _active = None


def active() -> Metrics | None:
    return _active


class MetricsServer:
    """`/metrics` on its own port: prometheus_client's threaded server over the registry."""

    def __init__(self, metrics: Metrics, host: str, port: int) -> None:
        from prometheus_client import start_http_server

        # The IPv4 wildcard becomes the dual-stack one where IPv6 exists: Fly's scraper comes over the
        # private IPv6 network.
        if host == "0.0.0.0":  # noqa: S104
            try:
                self.server, self.thread = start_http_server(port, addr="::", registry=metrics.registry)
            except OSError:
                self.server, self.thread = start_http_server(port, addr=host, registry=metrics.registry)
        else:
            self.server, self.thread = start_http_server(
                port, addr=host.strip("[]"), registry=metrics.registry
            )
        self.port: int = self.server.server_port

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


def serve(host: str, port: int) -> MetricsServer:
    return MetricsServer(enable(), host, port)


# --- hooks: one call where the event happens; nothing at all while metrics are off ------------------


def request(route: str, status: int) -> None:
    """One HTTP request, by route (a route table path or `other`) and status."""
    m = _active
    if m is None:
        return
    counter = m._request_children.get((route, status))
    if counter is None:
        counter = m._request_children[(route, status)] = m.requests.labels(route, status_class(status))
    counter.inc()


def tool_call(tool: str, outcome: str, seconds: float) -> None:
    m = _active
    if m is None:
        return
    children = m._tool_children.get((tool, outcome))
    if children is None:
        name = m.tool_label(tool)
        children = (
            m.child(m.tool_calls, name, _closed(outcome, TOOL_OUTCOMES)),
            m.child(m.tool_seconds, name),
        )
        if len(m._tool_children) < 4 * MAX_OPEN_VALUES:
            m._tool_children[(tool, outcome)] = children
    children[0].inc()
    children[1].observe(seconds)


def oauth_outcome(endpoint: str, outcome: str, reason: str = "") -> None:
    """`endpoint` is the facade path or its last segment (`/oauth/token` or `token`)."""
    m = _active
    if m is None:
        return
    name = _closed(endpoint.rstrip("/").rsplit("/", 1)[-1], OAUTH_ENDPOINTS)
    why = _closed(reason, OAUTH_REASONS) if reason else ""
    m.child(m.oauth, name, _closed(outcome, OAUTH_OUTCOMES), why).inc()


def rate_limited(limit: str) -> None:
    m = _active
    if m is None:
        return
    m.child(m.rate_limited, _closed(limit, RATE_LIMITS)).inc()


def jwks_fetch(ok: bool) -> None:
    m = _active
    if m is None:
        return
    m.child(m.jwks, "ok" if ok else "failed").inc()


def upstream_call(endpoint: str, seconds: float, outcome: str) -> None:
    """`outcome`: `ok` (any answer below 500 but 429), `http_error` or `transport_error`."""
    m = _active
    if m is None:
        return
    name = m.endpoint_label(endpoint)
    m.child(m.upstream, name, outcome if outcome in ("ok", "http_error", "transport_error") else OTHER).inc()
    m.child(m.upstream_seconds, name).observe(seconds)
