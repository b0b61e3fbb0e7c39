"""Run the web app under uvicorn (one process, or a supervisor with N worker processes)."""
from __future__ import annotations

import socket

import uvicorn
from uvicorn.supervisors import Multiprocess

APP = "app.web.app:create_app"


class _Config(uvicorn.Config):
    """uvicorn's shared listening socket for several workers is created without its protocol
    number, so asyncio does not set TCP_NODELAY on the connections it accepts, and every
    keep-alive response waits ~40 ms for the client's delayed ACK (Nagle). Re-open the socket
    from its descriptor: the protocol is then detected (TCP) and TCP_NODELAY applies."""

    def bind_socket(self) -> socket.socket:
        sock = super().bind_socket()
        return socket.socket(fileno=sock.detach())


def run(*, host: str, port: int, workers: int) -> None:
    config = _Config(APP, factory=True, host=host, port=port, workers=workers, proxy_headers=True,
                     server_header=False, log_level="info")
    if workers > 1:
        Multiprocess(config, sockets=[config.bind_socket()]).run()
    else:
        uvicorn.Server(config).run()
