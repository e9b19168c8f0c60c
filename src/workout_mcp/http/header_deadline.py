"""A deadline for request heads, which uvicorn does not have.

uvicorn's h11 protocol waits for a request's headers for as long as the client keeps the connection
open: `timeout_keep_alive` only runs *between* requests (and stops as soon as one byte of the next
one arrives), and `h11_max_incomplete_event_size` bounds the size of a head, not its time. A client
that sends a header line every few seconds (slowloris), or connects and sends nothing, holds a
connection forever. This protocol closes a connection whose request head has not fully arrived within
`HEADER_DEADLINE_SECONDS` of the connection being made or of the head's first byte. Nothing can be
answered at that point (HTTP allows no response before a request), so the connection is just closed.

Wire it with `uvicorn.run(..., http=HeaderDeadlineProtocol)` (it is the h11 protocol, uvicorn's default
here since httptools is not installed).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from typing import Any

import h11
from uvicorn.protocols.http.h11_impl import H11Protocol

log = logging.getLogger("workout_mcp.http.header_deadline")

HEADER_DEADLINE_SECONDS = 10.0


class HeaderDeadlineProtocol(H11Protocol):
    header_deadline: float = HEADER_DEADLINE_SECONDS

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._head_timer: asyncio.TimerHandle | None = None

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        self._arm()

    def data_received(self, data: bytes) -> None:
        super().data_received(data)
        if self.conn.their_state is h11.IDLE and not self.transport.is_closing():
            self._arm()  # a head has begun but is not complete
        else:
            self._disarm()

    def connection_lost(self, exc: Exception | None) -> None:
        self._disarm()
        super().connection_lost(exc)

    def _arm(self) -> None:
        if self._head_timer is None:
            self._head_timer = self.loop.call_later(self.header_deadline, self._expire)

    def _disarm(self) -> None:
        if self._head_timer is not None:
            self._head_timer.cancel()
            self._head_timer = None

    def _expire(self) -> None:
        self._head_timer = None
        if self.conn.their_state is not h11.IDLE or self.transport.is_closing():
            return
        log.debug("closed a connection whose request head did not arrive in %g s", self.header_deadline)
        with contextlib.suppress(h11.LocalProtocolError):
            self.conn.send(h11.ConnectionClosed())
        self.transport.close()


def with_header_deadline(seconds: float) -> type[HeaderDeadlineProtocol]:
    """`HeaderDeadlineProtocol` with another deadline (tests use a short one)."""
    return type("HeaderDeadlineProtocol", (HeaderDeadlineProtocol,), {"header_deadline": seconds})
