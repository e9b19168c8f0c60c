"""A deadline for request heads, which uvicorn does not have.

uvicorn's h11 protocol waits for a request's headers for as long as the client keeps the connection
open: `timeout_keep_alive` only runs *between* requests (and stops as soon as one byte of the next
one arrives), and `h11_max_incomplete_event_size` bounds the size of a head, not its time. A client
that sends a header line every few seconds (slowloris), or connects and sends nothing, holds a
connection forever. This protocol closes a connection whose request head has not fully arrived within
`HEADER_DEADLINE_SECONDS` of the connection being made or of the head's first byte. Nothing can be
answered at that point (HTTP allows no response before a request), so the connection is just closed.

uvicorn's httptools protocol has the same gap, so both parsers get the deadline:
`HeaderDeadlineProtocol` (h11) and `HttpToolsHeaderDeadlineProtocol`; `header_deadline_protocol(parser)`
picks the one for the parser the server runs on.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging

import h11
from uvicorn.protocols.http.h11_impl import H11Protocol

log = logging.getLogger("workout_mcp.http.header_deadline")

HEADER_DEADLINE_SECONDS = 10.0


class _HeadTimer:
    """The timer both protocols share: armed while a request head is awaited, `_close_slow_head` on expiry."""

    header_deadline: float = HEADER_DEADLINE_SECONDS
    loop: asyncio.AbstractEventLoop
    _head_timer: asyncio.TimerHandle | None = None

    def _arm(self) -> None:
        if self._head_timer is None:
            self._head_timer = self.loop.call_later(self.header_deadline, self._expire)

    def _disarm(self) -> None:
        if self._head_timer is not None:
            self._head_timer.cancel()
            self._head_timer = None

    def _expire(self) -> None:
        self._head_timer = None
        if self._awaiting_head():
            log.debug("closed a connection whose request head did not arrive in %g s", self.header_deadline)
            self._close_slow_head()

    def _awaiting_head(self) -> bool:
        raise NotImplementedError

    def _close_slow_head(self) -> None:
        raise NotImplementedError


class HeaderDeadlineProtocol(_HeadTimer, H11Protocol):
    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        self._arm()

    def data_received(self, data: bytes) -> None:
        super().data_received(data)
        if self._awaiting_head():
            self._arm()  # a head has begun but is not complete
        else:
            self._disarm()

    def connection_lost(self, exc: Exception | None) -> None:
        self._disarm()
        super().connection_lost(exc)

    def _awaiting_head(self) -> bool:
        return self.conn.their_state is h11.IDLE and not self.transport.is_closing()

    def _close_slow_head(self) -> None:
        with contextlib.suppress(h11.LocalProtocolError):
            self.conn.send(h11.ConnectionClosed())
        self.transport.close()


def _httptools_protocol() -> type[asyncio.Protocol]:
    from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

    class HttpToolsHeaderDeadlineProtocol(_HeadTimer, HttpToolsProtocol):
        """The same deadline on httptools: armed when the connection opens and when a request's first
        byte arrives (`on_message_begin`), disarmed when its head is complete; an idle keep-alive
        connection is left to `timeout_keep_alive`, as with h11."""

        _in_head = False

        def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
            super().connection_made(transport)
            self._in_head = True
            self._arm()

        def on_message_begin(self) -> None:
            super().on_message_begin()
            self._in_head = True
            self._arm()

        def on_headers_complete(self) -> None:
            self._in_head = False
            self._disarm()
            super().on_headers_complete()

        def connection_lost(self, exc: Exception | None) -> None:
            self._disarm()
            super().connection_lost(exc)

        def _awaiting_head(self) -> bool:
            return self._in_head and not self.transport.is_closing()

        def _close_slow_head(self) -> None:
            self.transport.close()

    return HttpToolsHeaderDeadlineProtocol


def header_deadline_protocol(parser: str, seconds: float = HEADER_DEADLINE_SECONDS) -> type[asyncio.Protocol]:
    """The protocol class for uvicorn's `http=` option: `parser` is "h11" or "httptools"."""
    base: type[asyncio.Protocol] = HeaderDeadlineProtocol if parser == "h11" else _httptools_protocol()
    if seconds == HEADER_DEADLINE_SECONDS:
        return base
    return type(base.__name__, (base,), {"header_deadline": seconds})


def with_header_deadline(seconds: float) -> type[HeaderDeadlineProtocol]:
    """`HeaderDeadlineProtocol` with another deadline (tests use a short one)."""
    return type("HeaderDeadlineProtocol", (HeaderDeadlineProtocol,), {"header_deadline": seconds})
