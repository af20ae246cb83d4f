"""A misbehaving ``osrm-routed`` on 127.0.0.1: every way a server can answer badly, one per fault.

Each :class:`Fault` writes raw bytes on the socket (status line, headers, body, pauses), so the
client under test meets slow, truncated, oversized, malformed and wrongly shaped answers exactly
as a broken or hostile server would send them. ``expect`` says what :class:`OsrmHttpBackend`
must raise (``None``: it must succeed).
"""

from __future__ import annotations

import json
import socket
import socketserver
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from medroute.errors import UnreachableLocationError
from medroute.travel.osrm import OsrmError

Chunk = bytes | float
"""Bytes to send, or seconds to pause."""


@dataclass(frozen=True)
class Request:
    service: str
    n: int
    """How many coordinates the request carries."""


@dataclass(frozen=True)
class Fault:
    name: str
    respond: Callable[[Request], list[Chunk]]
    expect: type[Exception] | None
    slow: bool = False
    """Takes about the client's whole timeout (skipped in the fastest slices)."""


def _http(status: int, body: bytes, *, length: int | None = None, reason: str = "X",
          extra: str = "") -> bytes:
    size = len(body) if length is None else length
    head = f"HTTP/1.1 {status} {reason}\r\nContent-Type: application/json\r\nContent-Length: {size}\r\n{extra}\r\n"
    return head.encode() + body


def table(n: int, **override: Any) -> dict[str, Any]:
    """A well-formed ``/table`` answer for ``n`` points (60 s and 500 m per index step)."""
    doc: dict[str, Any] = {
        "code": "Ok",
        "durations": [[60.0 * abs(i - j) for j in range(n)] for i in range(n)],
        "distances": [[500.0 * abs(i - j) for j in range(n)] for i in range(n)],
        "sources": [{"distance": 1.5, "location": [114.0, -8.0], "name": ""} for _ in range(n)],
        "destinations": [{"distance": 1.5, "location": [114.0, -8.0], "name": ""} for _ in range(n)],
    }
    doc.update(override)
    return doc


def route(**override: Any) -> dict[str, Any]:
    doc: dict[str, Any] = {"code": "Ok", "routes": [{"geometry": {"type": "LineString",
                                                                  "coordinates": [[114.0, -8.0], [114.01, -8.0]]}}]}
    doc.update(override)
    return doc


def _ok(req: Request, **override: Any) -> dict[str, Any]:
    return table(req.n, **override) if req.service == "table" else route(**override)


def _json(status: int, make: Callable[[Request], Any]) -> Callable[[Request], list[Chunk]]:
    return lambda req: [_http(status, json.dumps(make(req)).encode())]


def _raw(data: bytes) -> Callable[[Request], list[Chunk]]:
    return lambda req: [data]


def _trickle(req: Request) -> list[Chunk]:
    body = json.dumps(_ok(req)).encode()
    head = _http(200, b"", length=len(body))
    return [head] + [x for b in body[:40] for x in (bytes([b]), 0.1)]


def _trickled_headers(req: Request) -> list[Chunk]:
    return [x for b in b"HTTP/1.1 200 OK\r\nX-Slow: " + b"a" * 40 for x in (bytes([b]), 0.1)]


def _huge(req: Request) -> list[Chunk]:
    return [_http(200, b"", length=200 << 20), *[b" " * (1 << 20)] * 8]


def _huge_unannounced(req: Request) -> list[Chunk]:
    return [b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nConnection: close\r\n\r\n[",
            *[b"1," * (1 << 19)] * 8]


def _truncated(req: Request) -> list[Chunk]:
    body = json.dumps(_ok(req)).encode()
    return [_http(200, body[: len(body) // 2], length=len(body))]


def _cut_text(req: Request) -> list[Chunk]:
    body = json.dumps(_ok(req)).encode()
    return [_http(200, body[: len(body) // 2])]


def _grid(req: Request, value: Any) -> dict[str, Any]:
    return _ok(req, durations=value(req.n)) if req.service == "table" else _ok(req, routes=value(req.n))


FAULTS: tuple[Fault, ...] = (
    Fault("ok", _json(200, _ok), None),
    Fault("trickled body (1 byte per 0.1 s)", _trickle, OsrmError, slow=True),
    Fault("trickled headers", _trickled_headers, OsrmError, slow=True),
    Fault("stalls without answering", lambda req: [30.0], OsrmError, slow=True),
    Fault("body shorter than its Content-Length", _truncated, OsrmError),
    Fault("JSON cut in half", _cut_text, OsrmError),
    Fault("HTML error page", _raw(_http(200, b"<html><body>502 Bad Gateway</body></html>")), OsrmError),
    Fault("empty body", _raw(_http(200, b"")), OsrmError),
    Fault("JSON array", _raw(_http(200, b"[1, 2, 3]")), OsrmError),
    Fault("JSON string", _raw(_http(200, b'"Ok"')), OsrmError),
    Fault("nested 100,000 deep", _raw(_http(200, b"[" * 100_000 + b"]" * 100_000)), OsrmError),
    Fault("not UTF-8", _raw(_http(200, b'{"code": "\xff\xfe"}')), OsrmError),
    Fault("code InvalidQuery with HTTP 200", _json(200, lambda req: {"code": "InvalidQuery", "message": "x"}),
          OsrmError),
    Fault("NoSegment with HTTP 400", _json(400, lambda req: {"code": "NoSegment", "message": "far"}),
          UnreachableLocationError),
    Fault("NoSegment with HTTP 200", _json(200, lambda req: {"code": "NoSegment", "message": "far"}),
          UnreachableLocationError),
    Fault("HTTP 500, not JSON", _raw(_http(500, b"Internal Server Error")), OsrmError),
    Fault("HTTP 500 with an Ok body", _json(500, _ok), OsrmError),
    Fault("HTTP 404", _raw(_http(404, b"")), OsrmError),
    Fault("redirect", _raw(_http(302, b"", extra="Location: http://127.0.0.1:1/\r\n")), OsrmError),
    Fault("HTTP 204 no content", _raw(b"HTTP/1.1 204 No Content\r\n\r\n"), OsrmError),
    Fault("garbage status line", _raw(b"SSH-2.0-OpenSSH\r\n\r\n"), OsrmError),
    Fault("connection closed at once", _raw(b""), OsrmError),
    Fault("200 MB announced", _huge, OsrmError),
    Fault("8 MB unannounced", _huge_unannounced, OsrmError),
    Fault("no durations / no routes", _json(200, lambda req: {"code": "Ok"}), OsrmError),
    Fault("durations one row short", _json(200, lambda req: _grid(req, lambda n: [[0.0] * n] * (n - 1))),
          OsrmError),
    Fault("durations ragged", _json(200, lambda req: _grid(req, lambda n: [[0.0] * n, [0.0]] + [[0.0] * n] * (n - 2))),
          OsrmError),
    Fault("durations of words", _json(200, lambda req: _grid(req, lambda n: [["fast"] * n] * n)), OsrmError),
    Fault("durations of objects", _json(200, lambda req: _grid(req, lambda n: [[{}] * n] * n)), OsrmError),
    Fault("negative durations", _json(200, lambda req: _grid(req, lambda n: [[-5.0] * n] * n)), OsrmError),
    Fault("durations past int32", _json(200, lambda req: _grid(req, lambda n: [[1e12] * n] * n)), OsrmError),
    Fault("durations Infinity", _raw(_http(200, b'{"code": "Ok", "durations": [[Infinity]], "routes": 1}')),
          OsrmError),
    Fault("unreachable pairs (null)", _json(200, lambda req: _grid(req, lambda n: [[None] * n] * n)),
          UnreachableLocationError),
    Fault("no sources", _json(200, lambda req: _ok(req, sources=None, routes=[])), OsrmError),
    Fault("sources one short", _json(200, lambda req: _ok(req, sources=table(req.n)["sources"][1:], routes=[{}])),
          OsrmError),
    Fault("snap distance a word", _json(200, lambda req: _ok(req, sources=[{"distance": "near"}] * req.n,
                                                            routes=[{"geometry": {"coordinates": [["a", "b"]]}}])),
          OsrmError),
    Fault("snap distance negative", _json(200, lambda req: _ok(req, sources=[{"distance": -1}] * req.n,
                                                              routes=[{"geometry": {"coordinates": [[0, 100]]}}])),
          OsrmError),
    Fault("snap beyond max_snap_m", _json(200, lambda req: _ok(req, sources=[{"distance": 5e4}] * req.n,
                                                              routes=[{"geometry": None}])),
          UnreachableLocationError),
)
"""Every fault the campaign serves (``route`` requests read the same faults through their own
fields: a missing or malformed ``routes``)."""

ROUTE_EXPECT: dict[str, type[Exception] | None] = {
    "unreachable pairs (null)": OsrmError, "snap beyond max_snap_m": OsrmError,
}
"""Where a ``/route`` request must end differently from a ``/table`` one."""


class _Handler(socketserver.BaseRequestHandler):
    server: _Server

    def handle(self) -> None:
        sock: socket.socket = self.request
        sock.settimeout(5)
        data = b""
        try:
            while b"\r\n\r\n" not in data and len(data) < 1 << 20:
                chunk = sock.recv(65536)
                if not chunk:
                    return
                data += chunk
            path = data.split(b" ", 2)[1].decode()
            service = path.split("/")[1]
            n = path.split("?")[0].rsplit("/", 1)[-1].count(";") + 1
            for part in self.server.fault.respond(Request(service, n)):
                if isinstance(part, float):
                    if self.server.closing.wait(part):
                        return
                else:
                    sock.sendall(part)
        except OSError:
            return


class _Server(socketserver.ThreadingTCPServer):
    daemon_threads = True
    allow_reuse_address = True
    fault: Fault
    closing: threading.Event


@contextmanager
def faulty_osrm() -> Iterator[_Server]:
    """Serve on 127.0.0.1 until the block ends; set ``server.fault`` before each request.

    The server's URL is ``f"http://127.0.0.1:{server.server_address[1]}"``."""
    server = _Server(("127.0.0.1", 0), _Handler)
    server.fault = FAULTS[0]
    server.closing = threading.Event()
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    try:
        yield server
    finally:
        server.closing.set()
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


def url_of(server: _Server) -> str:
    return f"http://127.0.0.1:{server.server_address[1]}"

