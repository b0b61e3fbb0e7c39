"""The multi-worker listening socket keeps its TCP protocol number, so asyncio sets
TCP_NODELAY on accepted connections (without it, keep-alive responses waited ~40 ms)."""
from __future__ import annotations

import socket

from app.web.server import _Config


def test_shared_worker_socket_is_tcp_so_nodelay_applies():
    config = _Config("app.web.app:create_app", factory=True, host="127.0.0.1", port=0, workers=2)
    sock = config.bind_socket()
    try:
        assert sock.proto == socket.IPPROTO_TCP
        assert sock.get_inheritable()
    finally:
        sock.close()
