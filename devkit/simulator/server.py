"""The HTTP side: a threaded server on a loopback address, and nothing else.

Keep-alive (HTTP/1.1) and TCP_NODELAY matter for benchmarks: boto3 reuses connections, and
without NODELAY every response would wait for a delayed ACK between headers and body.
"""

from __future__ import annotations

import contextlib
import ipaddress
import logging
import socket
import threading
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from devkit.simulator import control
from devkit.simulator.wire import Reply, Request

if TYPE_CHECKING:
    from devkit.simulator.simulator import Simulator

logger = logging.getLogger(__name__)
CONTROL_PREFIX = "/_sim/"


def ensure_loopback(host: str) -> None:
    """Refuse any address that is not loopback: the simulator has no authentication."""
    try:
        addresses = {str(info[4][0]) for info in socket.getaddrinfo(host, None)}
    except socket.gaierror as exc:
        raise ValueError(f"cannot resolve host {host!r}: {exc}") from None
    outside = [a for a in addresses if not ipaddress.ip_address(a.split("%")[0]).is_loopback]
    if outside or not addresses:
        raise ValueError(
            f"the simulator binds loopback addresses only (127.0.0.1, ::1, localhost); "
            f"{host!r} resolves to {sorted(addresses)}"
        )


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, address: tuple[str, int], simulator: Simulator, family: int) -> None:
        self.address_family = family
        self.simulator = simulator
        self.connections: set[socket.socket] = set()
        self.connections_lock = threading.Lock()
        super().__init__(address, _Handler)


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True
    server: _Server

    def setup(self) -> None:
        super().setup()
        with self.server.connections_lock:
            self.server.connections.add(self.connection)

    def finish(self) -> None:
        with self.server.connections_lock:
            self.server.connections.discard(self.connection)
        super().finish()

    def do_GET(self) -> None:
        self._serve()

    do_POST = do_PUT = do_DELETE = do_PATCH = do_HEAD = do_GET

    def _serve(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        parts = urlsplit(self.path)
        request = Request(self.command, parts.path, parts.query, self.headers, body)
        simulator = self.server.simulator
        if parts.path.startswith(CONTROL_PREFIX):
            reply = control.handle(simulator, request)
        else:
            reply = simulator.backend.handle_api(request)
        self._send(reply)

    def _send(self, reply: Reply) -> None:
        self.send_response(reply.status)
        for name, value in reply.headers.items():
            self.send_header(name, value)
        self.send_header("x-amzn-RequestId", str(uuid.uuid4()))
        self.send_header("Content-Length", str(len(reply.body)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(reply.body)

    def log_message(self, format: str, *args: Any) -> None:
        logger.debug("%s " + format, self.address_string(), *args)


class SimulatorServer:
    def __init__(self, simulator: Simulator, host: str, port: int) -> None:
        ensure_loopback(host)
        family = socket.AF_INET6 if ":" in host else socket.AF_INET
        self._server = _Server((host, port), simulator, family)
        bound_port = self._server.server_address[1]
        shown = f"[{host}]" if ":" in host else host  # IPv6 literals need brackets in URLs
        self.url = f"http://{shown}:{bound_port}"
        self._thread = threading.Thread(
            target=self._server.serve_forever,
            kwargs={"poll_interval": 0.02},
            name=f"simulator-{bound_port}",
            daemon=True,
        )

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        if self._thread.is_alive():
            self._server.shutdown()
            self._thread.join()
        # Idle keep-alive connections would otherwise keep their threads waiting.
        with self._server.connections_lock:
            for connection in list(self._server.connections):
                with contextlib.suppress(OSError):  # already closed by the client
                    connection.shutdown(socket.SHUT_RDWR)
        self._server.server_close()
