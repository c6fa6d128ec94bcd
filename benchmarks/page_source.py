"""A source of Kombo job pages that does no work per request: every page is built and serialized before the
clock starts, so a sync read from it measures the reader, not the server. Optionally each answer waits a fixed
latency first (Kombo's real pages take hundreds of milliseconds), without holding up other requests."""

import json
import socket
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

PAGE_SIZE = 250


class PageSource:
    """Serves `GET /v1/ats/jobs` (any filters; `cursor` picks the page) on a free loopback port."""

    def __init__(self, jobs: list[dict], latency: float = 0.0) -> None:
        pages = [jobs[start : start + PAGE_SIZE] for start in range(0, len(jobs), PAGE_SIZE)] or [[]]
        self.bodies = [
            json.dumps({"status": "success", "data": {"next": f"p{n + 1}" if n + 1 < len(pages) else None,
                                                      "results": page}}).encode()
            for n, page in enumerate(pages)
        ]
        self.latency = latency
        self.serve_seconds: list[float] = []  # the source's own time per answer, latency excluded
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self._server.server_address[1]}"

    def __enter__(self) -> "PageSource":
        self._thread.start()
        return self

    def __exit__(self, *exc_info) -> None:
        self._server.shutdown()
        self._server.server_close()

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        source = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"  # keep-alive, as Kombo

            def setup(self) -> None:
                super().setup()
                self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

            def do_GET(self) -> None:
                if source.latency:
                    time.sleep(source.latency)
                started = time.perf_counter()
                cursor = parse_qs(urlsplit(self.path).query).get("cursor", ["p0"])[0]
                body = source.bodies[int(cursor[1:])]
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)
                source.serve_seconds.append(time.perf_counter() - started)

            def log_message(self, *args) -> None:
                pass

        return Handler
