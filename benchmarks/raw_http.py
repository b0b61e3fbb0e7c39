"""A minimal HTTP/1.1 client on raw asyncio streams, for the load and overload harnesses.

One GET at a time on a kept-alive connection, the body read and dropped: a few microseconds
of client CPU per request, so that a run with tens or hundreds of clients in one process,
on the cores the server uses, measures the server (httpx's AsyncClient with 200 connections
measured itself: 503s at p99 13 s that this client saw at 0.3 s on the same server)."""

from __future__ import annotations

import asyncio
from urllib.parse import quote

Conn = tuple[asyncio.StreamReader, asyncio.StreamWriter]


class Response:
    __slots__ = ("status", "retry_after", "close", "body")

    def __init__(self, status: int, retry_after: float, close: bool, body: bytes):
        self.status, self.retry_after, self.close, self.body = status, retry_after, close, body


async def get(conn: Conn, path: str, *, keep_body: bool = False) -> Response:
    """One GET on `conn` (the server's own framing: Content-Length or chunked)."""
    reader, writer = conn
    writer.write(f"GET {quote(path, safe='/?=&%:+~')} HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n".encode())
    await writer.drain()
    head = (await reader.readuntil(b"\r\n\r\n")).decode("latin-1").lower()
    status = int(head.split(" ", 2)[1])
    headers = dict(line.split(": ", 1) for line in head.split("\r\n")[1:] if ": " in line)
    parts: list[bytes] = []
    if "content-length" in headers:
        parts.append(await reader.readexactly(int(headers["content-length"])))
    elif "chunked" in headers.get("transfer-encoding", ""):
        while size := int((await reader.readuntil(b"\r\n")).strip().split(b";")[0], 16):
            parts.append((await reader.readexactly(size + 2))[:-2])
        await reader.readuntil(b"\r\n")
    body = b"".join(parts) if keep_body else b""
    return Response(
        status, float(headers.get("retry-after", "1")), headers.get("connection") == "close", body
    )


class Client:
    """One kept-alive connection to 127.0.0.1:`port`, reopened when the server closes it. A GET
    that meets a kept-alive connection closed by the server as it went out (its keep-alive
    timeout) is retried once on a new connection, as browsers do; `retries` counts them."""

    def __init__(self, port: int):
        self.port = port
        self.conn: Conn | None = None
        self.retries = 0

    async def get(self, path: str) -> Response:
        fresh = self.conn is None
        try:
            if self.conn is None:
                self.conn = await asyncio.open_connection("127.0.0.1", self.port)
            try:
                r = await get(self.conn, path)
            except (asyncio.IncompleteReadError, ConnectionError):
                if fresh:
                    raise
                self.retries += 1
                self.close()
                self.conn = await asyncio.open_connection("127.0.0.1", self.port)
                r = await get(self.conn, path)
        except BaseException:
            self.close()
            raise
        if r.close:
            self.close()
        return r

    def close(self) -> None:
        if self.conn is not None:
            self.conn[1].close()
            self.conn = None
