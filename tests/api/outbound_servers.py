"""Real HTTP servers on loopback for the outbound tests: a webhook receiver that answers a script of statuses
and checks every signature with the standardwebhooks package, and a feed server."""

import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from standardwebhooks import Webhook, WebhookVerificationError


@dataclass
class Receiver:
    """Answers the statuses of `script` in turn, then `then`; `hold`, when set, keeps each request waiting
    until it is released (a receiver that has not answered yet)."""

    url: str = ""
    secret: str | None = None
    script: list[int] = field(default_factory=list)
    then: int = 200
    hold: threading.Event | None = None
    arrived: threading.Event = field(default_factory=threading.Event)
    requests: list[dict[str, Any]] = field(default_factory=list)  # headers, body, verified payload or error

    @property
    def accepted(self) -> list[dict[str, Any]]:
        """Payloads of the requests answered 2xx whose signature verified, in arrival order."""
        return [request["payload"] for request in self.requests
                if request["payload"] is not None and request["status"] < 300]

    def handle(self, headers: dict[str, str], body: bytes) -> int:
        payload, error = None, None
        try:
            payload = Webhook(self.secret).verify(body, headers) if self.secret else None
        except WebhookVerificationError as failure:
            error = str(failure)
        request = {"headers": headers, "body": body, "payload": payload, "error": error, "status": None}
        self.requests.append(request)
        self.arrived.set()
        if self.hold is not None:
            self.hold.wait(timeout=120)
        request["status"] = self.script.pop(0) if self.script else self.then
        return request["status"]


@contextmanager
def serve(answer: Callable[[BaseHTTPRequestHandler], None]) -> Iterator[str]:
    """A threading HTTP server on 127.0.0.1 whose every request is answered by `answer`; yields its base URL."""

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def do_GET(self) -> None:
            answer(self)

        do_POST = do_GET

        def log_message(self, format, *args) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join()


@contextmanager
def webhook_receiver(**options: Any) -> Iterator[Receiver]:
    receiver = Receiver(**options)

    def answer(handler: BaseHTTPRequestHandler) -> None:
        body = handler.rfile.read(int(handler.headers.get("Content-Length") or 0))
        status = receiver.handle(dict(handler.headers.items()), body)
        handler.send_response(status)
        handler.send_header("Content-Length", "0")
        handler.end_headers()

    with serve(answer) as base:
        receiver.url = f"{base}/hooks/jobmatch"
        yield receiver


@dataclass
class FeedServer:
    """Serves `body` with an ETag and Last-Modified, answering 304 to a request that names the current ETag;
    `cut` truncates the body after that many bytes (a connection that broke off)."""

    url: str = ""
    body: bytes = b""
    etag: str = '"v1"'
    last_modified: str = "Tue, 01 Dec 2026 08:00:00 GMT"
    status: int = 200
    cut: int | None = None
    requests: list[dict[str, str]] = field(default_factory=list)


@contextmanager
def feed_server(body: bytes = b"") -> Iterator[FeedServer]:
    feed = FeedServer(body=body)

    def answer(handler: BaseHTTPRequestHandler) -> None:
        feed.requests.append(dict(handler.headers.items()))
        if feed.status == 200 and handler.headers.get("If-None-Match") == feed.etag:
            handler.send_response(304)
            handler.send_header("ETag", feed.etag)
            handler.send_header("Content-Length", "0")
            handler.end_headers()
            return
        body = feed.body if feed.cut is None else feed.body[: feed.cut]
        handler.send_response(feed.status)
        handler.send_header("Content-Type", "application/xml")
        handler.send_header("ETag", feed.etag)
        handler.send_header("Last-Modified", feed.last_modified)
        handler.send_header("Content-Length", str(len(body)))
        handler.end_headers()
        handler.wfile.write(body)

    with serve(answer) as base:
        feed.url = f"{base}/jobs.xml"
        yield feed


def indeed_feed(jobs: list[dict[str, str]]) -> bytes:
    """An Indeed XML feed of the jobs, each field in CDATA as exporters write them."""
    parts = ["<?xml version='1.0' encoding='utf-8'?>\n<source><publisher>ACME</publisher>"
             "<publisherurl>https://acme.example</publisherurl><lastBuildDate>Tue, 01 Dec 2026 08:00:00 GMT</lastBuildDate>"]
    for job in jobs:
        parts.append("<job>" + "".join(f"<{k}><![CDATA[{v}]]></{k}>" for k, v in job.items()) + "</job>")
    parts.append("</source>")
    return "\n".join(parts).encode()
