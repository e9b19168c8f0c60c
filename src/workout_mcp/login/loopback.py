"""The loopback redirect target of `login` (RFC 8252 §7.3): one GET /callback on 127.0.0.1."""

from __future__ import annotations

import asyncio
import html
import socket
from urllib.parse import parse_qs, urlsplit

from mcp.shared.auth import AuthorizationCodeResult

from workout_mcp.login.credentials import LoginError

PAGE = (
    "<!doctype html><meta charset=utf-8><title>workout-mcp</title>"
    "<body style='font-family:system-ui;margin:3rem'><h1 id=outcome>{title}</h1><p>{text}</p>"
)
MAX_REQUEST_HEAD = 16 * 1024


class LoopbackReceiver:
    """Listens on 127.0.0.1 (a port of the OS's choosing) until the browser brings the authorization
    response; other paths (a favicon) get 404, and nothing but the first callback counts."""

    def __init__(self) -> None:
        self._sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self._sock.bind(("127.0.0.1", 0))
        self.redirect_uri = f"http://127.0.0.1:{self._sock.getsockname()[1]}/callback"
        self._result: asyncio.Future[AuthorizationCodeResult] | None = None
        self._server: asyncio.Server | None = None

    async def __aenter__(self) -> LoopbackReceiver:
        self._result = asyncio.get_running_loop().create_future()
        self._server = await asyncio.start_server(self._handle, sock=self._sock)
        return self

    async def __aexit__(self, *exc: object) -> None:
        if self._server is not None:
            self._server.close()
            await self._server.wait_closed()

    async def wait(self, seconds: float) -> AuthorizationCodeResult:
        assert self._result is not None, "use `async with LoopbackReceiver()`"
        try:
            return await asyncio.wait_for(asyncio.shield(self._result), seconds)
        except TimeoutError:
            raise LoginError(f"no answer from the browser within {seconds:.0f} s; run login again") from None

    async def _handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            head = await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), 10)
        except (asyncio.IncompleteReadError, asyncio.LimitOverrunError, TimeoutError):
            writer.close()
            return
        request_line = head[:MAX_REQUEST_HEAD].split(b"\r\n", 1)[0].decode("latin-1")
        method, _, rest = request_line.partition(" ")
        target = urlsplit(rest.rpartition(" ")[0])
        if method != "GET" or target.path != "/callback":
            await self._respond(writer, 404, "Not found", "This address only takes the sign-in answer.")
            return
        params = {name: values[0] for name, values in parse_qs(target.query).items()}
        title, text = self._settle(params)
        await self._respond(writer, 200, title, text)

    def _settle(self, params: dict[str, str]) -> tuple[str, str]:
        assert self._result is not None
        if self._result.done():
            return "Already signed in", "You can close this tab."
        if "error" in params:
            reason = ": ".join(filter(None, (params["error"], params.get("error_description"))))
            self._result.set_exception(LoginError(f"the sign-in was not completed: {reason}"))
            return "Sign-in not completed", f"{reason}. You can close this tab and run login again."
        if "code" not in params:
            self._result.set_exception(LoginError("the browser came back without an authorization code"))
            return "Sign-in failed", "No authorization code arrived. Run login again."
        self._result.set_result(
            AuthorizationCodeResult(code=params["code"], state=params.get("state"), iss=params.get("iss"))
        )
        return "Signed in", "workout-mcp has its token. You can close this tab and go back to the terminal."

    @staticmethod
    async def _respond(writer: asyncio.StreamWriter, status: int, title: str, text: str) -> None:
        body = PAGE.format(title=html.escape(title), text=html.escape(text)).encode()
        reason = "OK" if status == 200 else "Not Found"
        writer.write(
            f"HTTP/1.1 {status} {reason}\r\nContent-Type: text/html; charset=utf-8\r\n"
            f"Content-Length: {len(body)}\r\nCache-Control: no-store\r\nReferrer-Policy: no-referrer\r\n"
            "Connection: close\r\n\r\n".encode()
            + body
        )
        try:
            await writer.drain()
        finally:
            writer.close()
