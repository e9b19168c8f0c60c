"""The PostgREST half of the Supabase stand-in (`/rest/v1`), executed on real PostgreSQL.

Every request runs as parameterised SQL inside one transaction under `SET LOCAL ROLE <role claim>` and
`set_config('request.jwt.claims', …, true)`, exactly as PostgREST does, so the migration's Row Level
Security (not this file) decides what a user sees. Status codes, headers and error bodies follow
PostgREST (contract §4, §8): no `iss` check (`Auth/Jwt.hs`), SQLSTATEs mapped as `Error.hs` does. Identifiers are checked against the database's own catalog and then
quoted; values are always bound parameters.

`rest_routes(RestStandin(...))` is mounted by the assembler (`tests.standin.app`); `serve_supabase(dsn)`
runs Auth + PostgREST on 127.0.0.1 for tests (by hand: `python -m tests.standin.server --dsn ...`).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import re
import socket
import time
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

import jwt
import psycopg
from psycopg import sql
from starlette.requests import ClientDisconnect, Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Mount, Route

from tests.standin.keys import KeySet
from tests.standin.state import StandinState, User

MAX_ROWS = 1000
JWT_LEEWAY_SECONDS = 30  # PostgREST's allowed clock skew
ALLOWED_ROLES = frozenset({"anon", "authenticated"})
RESERVED_PARAMS = frozenset({"select", "order", "limit", "offset", "on_conflict", "columns"})
JSON_TYPE = "application/json; charset=utf-8"
UUID_RE = re.compile(r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$")
COMPARISONS = {"eq": "=", "neq": "<>", "gt": ">", "gte": ">=", "lt": "<", "lte": "<="}


class RestError(Exception):
    """An answer PostgREST gives with a `{code,message,details,hint}` body."""

    def __init__(
        self,
        status: int,
        code: str,
        message: str,
        *,
        details: str | None = None,
        hint: str | None = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__(message)
        self.status, self.code, self.message = status, code, message
        self.details, self.hint, self.headers = details, hint, headers or {}

    def response(self) -> Response:
        body = {"code": self.code, "message": self.message, "details": self.details, "hint": self.hint}
        return Response(json.dumps(body), self.status, headers=self.headers, media_type=JSON_TYPE)


def jwt_error(code: str, message: str) -> RestError:
    challenge = f'Bearer error="invalid_token", error_description="{message}"'
    return RestError(401, code, message, headers={"WWW-Authenticate": challenge})


@dataclass
class Faults:
    """Test knobs: hang, forced 5xx, malformed bodies, and a log of every request received."""

    hang: bool = False
    fail_status: int = 503
    fail_remaining: int = 0
    malformed_remaining: int = 0
    requests: list[tuple[str, str]] = field(default_factory=list)

    def fail_next(self, times: int = 1, status: int = 503) -> None:
        self.fail_status, self.fail_remaining = status, times

    def malformed_next(self, times: int = 1) -> None:
        self.malformed_remaining = times

    def reset(self) -> None:
        self.hang, self.fail_remaining, self.malformed_remaining = False, 0, 0
        self.requests.clear()

    def count(self, path_prefix: str = "/rest/v1/") -> int:
        return sum(1 for _, path in self.requests if path.startswith(path_prefix))


@dataclass(frozen=True)
class Function:
    name: str
    arg_names: tuple[str, ...]
    arg_types: tuple[str, ...]
    required: frozenset[str]
    returns_set: bool


@dataclass
class Catalog:
    columns: dict[str, dict[str, str]]  # table -> column -> type
    functions: dict[str, list[Function]]


class ConnectionPool:
    """A few reusable connections, created lazily on the serving event loop."""

    def __init__(self, dsn: str, size: int = 8) -> None:
        self._dsn, self._size = dsn, size
        self._idle: list[psycopg.AsyncConnection[Any]] = []
        self._sem: asyncio.Semaphore | None = None

    @contextlib.asynccontextmanager
    async def connection(self) -> AsyncIterator[psycopg.AsyncConnection[Any]]:
        if self._sem is None:
            self._sem = asyncio.Semaphore(self._size)
        async with self._sem:
            conn = (
                self._idle.pop()
                if self._idle
                else await psycopg.AsyncConnection.connect(self._dsn, autocommit=True)
            )
            try:
                yield conn
            finally:
                if conn.closed or conn.info.transaction_status != psycopg.pq.TransactionStatus.IDLE:
                    await conn.close()
                else:
                    self._idle.append(conn)

    async def aclose(self) -> None:
        while self._idle:
            await self._idle.pop().close()


class RestStandin:
    """PostgREST's behaviour over one database, JWTs checked against `keys`."""

    def __init__(
        self,
        *,
        dsn: str,
        keys: KeySet,
        anon_key: str,
        max_rows: int = MAX_ROWS,
        faults: Faults | None = None,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.keys, self.anon_key = keys, anon_key
        self.max_rows, self.clock = max_rows, clock
        self.faults = faults or Faults()
        self.pool = ConnectionPool(dsn)
        self._catalog: Catalog | None = None
        self._known_users: set[str] = set()

    # --- routing ---------------------------------------------------------------------------------
    def routes(self) -> list[BaseRoute]:
        """Routes relative to `/rest/v1`."""
        return [
            Route("/rpc/{function}", self._guarded(self._rpc), methods=["POST"]),
            Route("/{table}", self._guarded(self._table), methods=["GET", "POST", "PATCH", "DELETE"]),
        ]

    def _guarded(
        self, handler: Callable[[Request], Awaitable[Response]]
    ) -> Callable[[Request], Awaitable[Response]]:
        async def endpoint(request: Request) -> Response:
            faults = self.faults
            faults.requests.append((request.method, request.url.path))
            while faults.hang:
                await asyncio.sleep(0.01)
            if faults.fail_remaining > 0:
                faults.fail_remaining -= 1
                return Response(
                    '{"message":"An invalid response was received from the upstream server"}',
                    faults.fail_status,
                    media_type=JSON_TYPE,
                )
            if faults.malformed_remaining > 0:
                faults.malformed_remaining -= 1
                return Response('{"items": [{"id": ', 200, media_type=JSON_TYPE)
            try:
                return await handler(request)
            except RestError as exc:
                return exc.response()
            except ClientDisconnect:
                return Response(status_code=499)

        return endpoint

    # --- auth ------------------------------------------------------------------------------------
    def _check_apikey(self, request: Request) -> None:
        key = request.headers.get("apikey") or request.query_params.get("apikey")
        if not key:
            raise _gateway_error(
                "No API key found in request", "No `apikey` request header or url param was found."
            )
        if key != self.anon_key:
            raise _gateway_error(
                "Invalid API key", "Double check your Supabase `anon` or `service_role` API key."
            )

    def _claims(self, request: Request) -> dict[str, Any]:
        auth = request.headers.get("authorization")
        if auth is None:
            return {"role": "anon"}
        scheme, _, token = auth.partition(" ")
        token = token.strip()
        if scheme.lower() != "bearer" or not token:
            raise jwt_error("PGRST301", "Empty JWT is sent in Authorization header")
        if token == self.anon_key:
            return {"role": "anon"}
        parts = token.count(".") + 1
        if parts != 3:
            raise jwt_error("PGRST301", f"Expected 3 parts in JWT; got {parts}")
        try:
            header = jwt.get_unverified_header(token)
        except jwt.PyJWTError:
            raise jwt_error("PGRST301", "JWT cryptographic operation failed") from None
        alg = header.get("alg")
        if alg not in ("ES256", "RS256"):
            raise jwt_error("PGRST301", "Wrong or unsupported encoding algorithm")
        key = self.keys.find(str(header.get("kid")))
        if key is None or key.alg != alg:
            raise jwt_error("PGRST301", "No suitable key or wrong key type")
        try:
            claims: dict[str, Any] = jwt.decode(
                token,
                key.private_key.public_key(),
                algorithms=[alg],
                options={"verify_exp": False, "verify_nbf": False, "verify_iat": False, "verify_aud": False},
            )
        except jwt.PyJWTError:
            raise jwt_error("PGRST301", "JWT cryptographic operation failed") from None
        now = self.clock()
        if isinstance(claims.get("exp"), int | float) and now - JWT_LEEWAY_SECONDS > claims["exp"]:
            raise jwt_error("PGRST303", "JWT expired")
        if isinstance(claims.get("nbf"), int | float) and now + JWT_LEEWAY_SECONDS < claims["nbf"]:
            raise jwt_error("PGRST303", "JWT not yet valid")
        if isinstance(claims.get("iat"), int | float) and now + JWT_LEEWAY_SECONDS < claims["iat"]:
            raise jwt_error("PGRST303", "JWT issued at future")
        # No `iss` check: PostgREST validates only exp, nbf, iat and aud (`Auth/Jwt.hs` `checkForErrors`).
        if claims.get("role", "anon") not in ALLOWED_ROLES:
            raise jwt_error("PGRST301", "JWT role is not allowed")
        return claims

    # --- execution -------------------------------------------------------------------------------
    async def _run(
        self, claims: dict[str, Any], work: Callable[[psycopg.AsyncConnection[Any]], Awaitable[Any]]
    ) -> Any:
        role = str(claims.get("role", "anon"))
        sub = claims.get("sub")
        try:
            async with self.pool.connection() as conn:
                if self._catalog is None:
                    self._catalog = await _load_catalog(conn)
                if isinstance(sub, str) and sub not in self._known_users and UUID_RE.match(sub):
                    # on Supabase a token's user always exists in auth.users; committed on its own so
                    # a request that fails does not take the user row down with it
                    await conn.execute(
                        "insert into auth.users (id, email) values (%s, %s) on conflict (id) do nothing",
                        (sub, claims.get("email") or None),
                    )
                    self._known_users.add(sub)
                async with conn.transaction():
                    await conn.execute(sql.SQL("set local role {}").format(sql.Identifier(role)))
                    await conn.execute(
                        "select set_config('request.jwt.claims', %s, true)", (json.dumps(claims),)
                    )
                    return await work(conn)
        except psycopg.Error as exc:
            raise _pg_error(exc, authenticated=role != "anon") from None

    @property
    def catalog(self) -> Catalog:
        assert self._catalog is not None
        return self._catalog

    async def _ensure_catalog(self) -> Catalog:
        if self._catalog is None:
            async with self.pool.connection() as conn:
                self._catalog = await _load_catalog(conn)
        return self._catalog

    # --- /rest/v1/{table} ------------------------------------------------------------------------
    async def _table(self, request: Request) -> Response:
        self._check_apikey(request)
        claims = self._claims(request)
        _check_profile(request)
        catalog = await self._ensure_catalog()
        table = request.path_params["table"]
        columns = catalog.columns.get(table)
        if columns is None:
            raise RestError(
                404,
                "PGRST205",
                f"Could not find the table 'public.{table}' in the schema cache",
                details=None,
            )
        prefer = _prefer(request)
        select = _select_list(request.query_params.get("select", "*"), table, columns)
        where, params = _filters(request, table, columns)
        if request.method == "GET":
            return await self._read(request, claims, table, columns, select, where, params, prefer)
        representation = prefer.get("return") == "representation"
        if request.method == "DELETE":
            stmt = sql.SQL("delete from {t} where {w} returning *").format(t=_table_id(table), w=where)
            return await self._write(claims, stmt, params, select, representation, 200)
        try:
            body = json.loads(await request.body() or b"null")
        except ValueError:
            raise RestError(400, "PGRST102", "Empty or invalid json") from None
        if request.method == "POST":
            rows = body if isinstance(body, list) else [body]
            if not rows or not all(isinstance(r, dict) for r in rows):
                raise RestError(400, "PGRST102", "Empty or invalid json")
            keys = list(dict.fromkeys(k for r in rows for k in r))
            cols = [_column(k, table, columns) for k in keys]
            col_list = sql.SQL(", ").join(cols)
            stmt = sql.SQL(
                "insert into {t} ({c}) select {c} "
                "from json_populate_recordset(null::{t}, %s::json) returning *"
            ).format(t=_table_id(table), c=col_list)
            return await self._write(claims, stmt, [json.dumps(rows), *params], select, representation, 201)
        if not isinstance(body, dict) or not body:
            raise RestError(400, "PGRST102", "Empty or invalid json")
        cols = [_column(k, table, columns) for k in body]
        col_list = sql.SQL(", ").join(cols)
        # a one-column "set (c) = (select ...)" is not valid SQL, hence the two forms
        target = sql.SQL("({})").format(col_list) if len(cols) > 1 else col_list
        stmt = sql.SQL(
            "update {t} set {target} = (select {c} from json_populate_record(null::{t}, %s::json)) "
            "where {w} returning *"
        ).format(t=_table_id(table), target=target, c=col_list, w=where)
        return await self._write(claims, stmt, [json.dumps(body), *params], select, representation, 200)

    async def _read(
        self,
        request: Request,
        claims: dict[str, Any],
        table: str,
        columns: dict[str, str],
        select: sql.Composable,
        where: sql.Composable,
        params: list[Any],
        prefer: dict[str, str],
    ) -> Response:
        q = request.query_params
        order = _order(q.get("order"), table, columns)
        offset = _int_param(q.get("offset"), "offset") or 0
        limit = _int_param(q.get("limit"), "limit")
        range_header = request.headers.get("range")
        if range_header:
            m = re.fullmatch(r"\s*(\d+)-(\d*)\s*", range_header)
            if m:
                start = int(m.group(1))
                end = int(m.group(2)) if m.group(2) else None
                range_limit = None if end is None else max(end - start + 1, 0)
                offset += start
                limit = (
                    range_limit
                    if limit is None
                    else (limit if range_limit is None else min(limit, range_limit))
                )
        limit = self.max_rows if limit is None else min(limit, self.max_rows)
        want_count = prefer.get("count") in ("exact", "planned", "estimated")
        stmt = sql.SQL(
            "select coalesce(json_agg(r), '[]')::text, count(*) from "
            "(select {s} from {t} where {w} order by {o} limit %s offset %s) r"
        ).format(s=select, t=_table_id(table), w=where, o=order)
        count_stmt = sql.SQL("select count(*) from {t} where {w}").format(t=_table_id(table), w=where)

        async def work(conn: psycopg.AsyncConnection[Any]) -> tuple[str, int, int | None]:
            row = await (await conn.execute(stmt, [*params, limit, offset])).fetchone()
            assert row is not None
            total = None
            if want_count:
                crow = await (await conn.execute(count_stmt, params)).fetchone()
                assert crow is not None
                total = int(crow[0])
            return str(row[0]), int(row[1]), total

        body, n, total = await self._run(claims, work)
        total_text = "*" if total is None else str(total)
        if (total is not None and offset > total) or (total == 0 and offset > 0):
            raise RestError(
                416,
                "PGRST103",
                "Requested range not satisfiable",
                details=f"An offset of {offset} was requested, but there are only {total} rows.",
                headers={"Content-Range": f"*/{total_text}"},
            )
        content_range = f"{offset}-{offset + n - 1}/{total_text}" if n else f"*/{total_text}"
        status = 206 if total is not None and n < total else 200
        return Response(body, status, headers={"Content-Range": content_range}, media_type=JSON_TYPE)

    async def _write(
        self,
        claims: dict[str, Any],
        stmt: sql.Composable,
        params: list[Any],
        select: sql.Composable,
        representation: bool,
        status: int,
    ) -> Response:
        wrapped = sql.SQL(
            "with w as ({stmt}) select coalesce(json_agg(r), '[]')::text from (select {s} from w) r"
        ).format(stmt=stmt, s=select)

        async def work(conn: psycopg.AsyncConnection[Any]) -> str:
            row = await (await conn.execute(wrapped, params)).fetchone()
            assert row is not None
            return str(row[0])

        body = await self._run(claims, work)
        if not representation:
            return Response(status_code=204 if status == 200 else status, headers={"Content-Range": "*/*"})
        return Response(body, status, headers={"Content-Range": "*/*"}, media_type=JSON_TYPE)

    # --- /rest/v1/rpc/{function} -----------------------------------------------------------------
    async def _rpc(self, request: Request) -> Response:
        self._check_apikey(request)
        claims = self._claims(request)
        _check_profile(request)
        catalog = await self._ensure_catalog()
        name = request.path_params["function"]
        raw = await request.body()
        try:
            args = json.loads(raw) if raw.strip() else {}
        except ValueError:
            raise RestError(400, "PGRST102", "Empty or invalid json") from None
        if not isinstance(args, dict):
            raise RestError(400, "PGRST102", "Empty or invalid json")
        fn = _pick_function(catalog.functions.get(name, []), set(args))
        if fn is None:
            shown = ", ".join(sorted(args))
            raise RestError(
                404,
                "PGRST202",
                f"Could not find the function public.{name}({shown}) in the schema cache",
                details=f"Searched for the function public.{name} with parameters {shown} or with a single "
                "unnamed json/jsonb parameter, but no matches were found in the schema cache.",
            )
        names = [n for n in fn.arg_names if n in args]
        call_args = sql.SQL(", ").join(
            sql.SQL("{} => %s::{}").format(sql.Identifier(n), sql.SQL(fn.arg_types[fn.arg_names.index(n)]))
            for n in names
        )
        call = sql.SQL("{f}({a})").format(f=sql.Identifier("public", fn.name), a=call_args)
        if fn.returns_set:
            stmt = sql.SQL("select coalesce(json_agg(r), '[]')::text from {c} r").format(c=call)
        else:
            stmt = sql.SQL("select to_json({c})::text").format(c=call)
        params = [_arg_text(args[n]) for n in names]

        async def work(conn: psycopg.AsyncConnection[Any]) -> str | None:
            row = await (await conn.execute(stmt, params)).fetchone()
            return None if row is None else row[0]

        body = await self._run(claims, work)
        return Response("null" if body is None else body, 200, media_type=JSON_TYPE)

    async def aclose(self) -> None:
        await self.pool.aclose()


def rest_routes(standin: RestStandin) -> list[BaseRoute]:
    """Mount point for the assembler app: everything under `/rest/v1`."""
    return [Mount("/rest/v1", routes=standin.routes())]


# --- helpers of the SQL translation -----------------------------------------------------------------


def _gateway_error(message: str, hint: str) -> RestError:
    err = RestError(401, "", message, hint=hint)
    err.response = lambda: Response(  # type: ignore[method-assign]
        json.dumps({"message": message, "hint": hint}), 401, media_type=JSON_TYPE
    )
    return err


def _check_profile(request: Request) -> None:
    profile = request.headers.get("accept-profile" if request.method == "GET" else "content-profile")
    if profile is not None and profile != "public":
        raise RestError(
            406,
            "PGRST106",
            "Invalid schema: " + profile,
            hint="Only the following schemas are exposed: public",
        )


def _prefer(request: Request) -> dict[str, str]:
    prefs: dict[str, str] = {}
    for header in request.headers.getlist("prefer"):
        for part in header.split(","):
            key, _, value = part.strip().partition("=")
            if key:
                prefs[key.strip()] = value.strip()
    return prefs


def _table_id(table: str) -> sql.Composable:
    return sql.Identifier("public", table)


def _column(name: str, table: str, columns: dict[str, str]) -> sql.Composable:
    if name not in columns:
        raise RestError(400, "42703", f"column {table}.{name} does not exist")
    return sql.Identifier(name)


def _select_list(spec: str, table: str, columns: dict[str, str]) -> sql.Composable:
    items: list[sql.Composable] = []
    for raw in spec.split(","):
        part = raw.strip()
        if not part:
            continue
        if part == "*":
            items.append(sql.SQL("*"))
            continue
        if "(" in part:
            raise RestError(400, "PGRST100", "embedding is not supported by this stand-in")
        alias, _, col = part.partition(":") if ":" in part else ("", "", part)
        ident = _column(col, table, columns)
        items.append(sql.SQL("{} as {}").format(ident, sql.Identifier(alias)) if alias else ident)
    return sql.SQL(", ").join(items) if items else sql.SQL("*")


def _int_param(value: str | None, name: str) -> int | None:
    if value is None:
        return None
    if not value.isdigit():
        raise RestError(400, "PGRST100", f'"failed to parse {name} parameter ({value})"')
    return int(value)


def _order(spec: str | None, table: str, columns: dict[str, str]) -> sql.Composable:
    if not spec:
        return sql.SQL("(select null)")
    terms: list[sql.Composable] = []
    for term in spec.split(","):
        col, *mods = term.strip().split(".")
        ident = _column(col, table, columns)
        direction = sql.SQL("desc") if "desc" in mods else sql.SQL("asc")
        nulls = sql.SQL(
            " nulls first" if "nullsfirst" in mods else " nulls last" if "nullslast" in mods else ""
        )
        terms.append(sql.SQL("{} {}{}").format(ident, direction, nulls))
    return sql.SQL(", ").join(terms)


def _split_list(value: str) -> list[str]:
    """`(a,"b,c",d)` -> ['a', 'b,c', 'd']"""
    inner = value.strip()
    if not (inner.startswith("(") and inner.endswith(")")):
        raise RestError(400, "PGRST100", f'"failed to parse filter (in.{value})"')
    out, buf, quoted = [], "", False
    for ch in inner[1:-1]:
        if ch == '"':
            quoted = not quoted
        elif ch == "," and not quoted:
            out.append(buf)
            buf = ""
        else:
            buf += ch
    out.append(buf)
    return [v for v in out if v != ""]


def _filters(request: Request, table: str, columns: dict[str, str]) -> tuple[sql.Composable, list[Any]]:
    conds: list[sql.Composable] = []
    params: list[Any] = []
    for key, raw in request.query_params.multi_items():
        if key in RESERVED_PARAMS or key == "apikey":
            continue
        ident = _column(key, table, columns)
        col_type = sql.SQL(columns[key])
        negate = raw.startswith("not.")
        op, _, value = raw.removeprefix("not.").partition(".")
        cond: sql.Composable
        if op in COMPARISONS:
            cond = sql.SQL("{} " + COMPARISONS[op] + " %s::{}").format(ident, col_type)
            params.append(value)
        elif op in ("like", "ilike"):
            cond = sql.SQL("{}::text " + op + " %s").format(ident)
            params.append(value.replace("*", "%"))
        elif op == "in":
            cond = sql.SQL("{} = any(%s::{}[])").format(ident, col_type)
            params.append(_split_list(value))
        elif op == "is":
            words = {
                "null": "null",
                "not_null": "not null",
                "true": "true",
                "false": "false",
                "unknown": "unknown",
            }
            if value not in words:
                raise RestError(400, "PGRST100", f'"failed to parse filter (is.{value})"')
            cond = sql.SQL("{} is " + words[value]).format(ident)
        elif op in ("cs", "cd"):
            cond = sql.SQL("{} " + ("@>" if op == "cs" else "<@") + " %s::{}").format(ident, col_type)
            params.append(value)
        else:
            raise RestError(400, "PGRST100", f'"failed to parse filter ({raw})"')
        conds.append(sql.SQL("not ({})").format(cond) if negate else cond)
    return (sql.SQL(" and ").join(conds) if conds else sql.SQL("true")), params


def _pick_function(candidates: list[Function], given: set[str]) -> Function | None:
    for fn in candidates:
        if given <= set(fn.arg_names) and fn.required <= given:
            return fn
    return None


def _arg_text(value: Any) -> str | None:
    if value is None:
        return None
    return value if isinstance(value, str) else json.dumps(value)


def sqlstate_status(state: str, message: str, *, authenticated: bool) -> int:
    """PostgREST's `mapSQLtoHTTP` (`src/library/PostgREST/Error.hs`), rule for rule, first match wins."""
    exact = {
        "23503": 409,
        "23505": 409,
        "25006": 405,
        "53400": 500,
        "57P01": 503,
        "P0001": 400,
        "42P01": 404,
        "42P17": 500,
    }
    prefixes = {
        "08": 503, "09": 500, "0L": 403, "0P": 403, "25": 500, "28": 403, "2D": 500, "38": 500,
        "39": 500, "3B": 500, "40": 500, "53": 503, "54": 500, "55": 500, "57": 500, "58": 500,
        "F0": 500, "HV": 500, "P0": 500, "XX": 500,
    }  # fmt: skip
    if state == "21000":
        return 400 if message.endswith("requires a WHERE clause") else 500
    if state == "22023":
        return 401 if message.startswith("role") and message.endswith("does not exist") else 400
    if state == "42883":
        return 406 if message.startswith("function xmlagg(") else 404
    if state == "42501":
        return 403 if authenticated else 401
    if state.startswith("PT"):
        return int(state[2:]) if state[2:].isdigit() and 100 <= int(state[2:]) <= 599 else 500
    if state in exact:
        return exact[state]
    return prefixes.get(state[:2], 400)


def _pg_error(exc: psycopg.Error, *, authenticated: bool) -> RestError:
    state = exc.sqlstate or ""
    diag = exc.diag
    message = diag.message_primary or "database error"
    if isinstance(exc, psycopg.OperationalError) and not state:
        return RestError(503, "PGRST000", "Database client error. Retrying the connection.")
    status = sqlstate_status(state, message, authenticated=authenticated)
    return RestError(status, state, message, details=diag.message_detail, hint=diag.message_hint)


async def _load_catalog(conn: psycopg.AsyncConnection[Any]) -> Catalog:
    cols: dict[str, dict[str, str]] = {}
    cur = await conn.execute(
        """
        select c.relname, a.attname, format_type(a.atttypid, a.atttypmod)
        from pg_attribute a join pg_class c on c.oid = a.attrelid
        where c.relnamespace = 'public'::regnamespace and c.relkind in ('r', 'v', 'm', 'p')
          and a.attnum > 0 and not a.attisdropped
        order by c.relname, a.attnum
        """
    )
    for table, column, col_type in await cur.fetchall():
        cols.setdefault(table, {})[column] = col_type
    functions: dict[str, list[Function]] = {}
    cur = await conn.execute(
        """
        select p.proname, coalesce(p.proargnames, '{}'), p.pronargs, p.pronargdefaults, p.proretset,
               array(select format_type(t, null)
                     from unnest(p.proargtypes::oid[]) with ordinality u(t, n) order by n)
        from pg_proc p
        where p.pronamespace = 'public'::regnamespace and p.prokind = 'f'
          and p.prorettype <> 'trigger'::regtype
        """
    )
    for name, arg_names, nargs, ndefaults, retset, types in await cur.fetchall():
        names = tuple(arg_names[:nargs])
        required = frozenset(names[: nargs - ndefaults])
        functions.setdefault(name, []).append(Function(name, names, tuple(types), required, bool(retset)))
    return Catalog(cols, functions)


# --- running it -------------------------------------------------------------------------------------


@dataclass
class SupabaseStandin:
    """The whole stand-in (Auth + PostgREST) live on 127.0.0.1 over one database."""

    url: str
    state: StandinState
    rest: RestStandin

    @property
    def anon_key(self) -> str:
        return self.state.anon_key

    @property
    def faults(self) -> Faults:
        return self.rest.faults

    def add_user(self, email: str | None = None, password: str = "correct horse battery staple") -> User:
        return self.state.add_user(email or f"{uuid.uuid4().hex[:10]}@example.test", password)

    def mint(self, user: User, **overrides: Any) -> str:
        """An access token for `user` with Supabase's exact claims (`overrides` replace claims)."""
        return self.state.mint(user, **overrides)


@contextlib.contextmanager
def serve_supabase(dsn: str, state: StandinState | None = None) -> Iterator[SupabaseStandin]:
    """Auth and PostgREST halves on one free loopback port, PostgREST running over `dsn`."""
    from tests.standin.app import build_standin_app, make_rest
    from tests.standin.fixtures import serve_on_socket

    state = state or StandinState()
    # proto=IPPROTO_TCP matters: asyncio sets TCP_NODELAY only on sockets whose proto says TCP, and
    # without it every response waits ~40 ms for Nagle + delayed ACK on loopback.
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP) as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind(("127.0.0.1", 0))
        host, port = sock.getsockname()[:2]
        state.base_url = f"http://{host}:{port}"
        rest: RestStandin = make_rest(state, dsn)
        with serve_on_socket(build_standin_app(state, rest=rest), sock) as url:
            yield SupabaseStandin(url, state, rest)
