"""One log line per request (id, method, path, status, duration), and the request's id on every line logged
while it is served. The id comes from the caller's `X-Request-Id` (a proxy's) when it is sane, else is made
here; the response carries it back so a client can quote it."""

import logging
import re
import time
import uuid

from flask import Flask, Response, g, request

from jobmatch import logs

log = logging.getLogger("jobmatch.requests")

HEADER = "X-Request-Id"
_SANE_ID = re.compile(r"[A-Za-z0-9._:-]{1,128}")


def register(app: Flask) -> None:
    app.before_request(_start)
    app.after_request(_finish)
    app.teardown_request(_unbind)


def _start() -> None:
    given = request.headers.get(HEADER, "")
    g.request_id = given if _SANE_ID.fullmatch(given) else uuid.uuid4().hex
    g.request_started = time.perf_counter()
    g.request_log_token = logs.push(request_id=g.request_id)


def _finish(response: Response) -> Response:
    if "request_started" not in g:  # a request that failed before _start ran
        return response
    response.headers[HEADER] = g.request_id
    log.info(
        "%s %s %s",
        request.method,
        request.path,
        response.status_code,
        extra={
            "method": request.method,
            "path": request.path,
            "status": response.status_code,
            "duration_ms": round((time.perf_counter() - g.request_started) * 1000, 1),
        },
    )
    return response


def _unbind(_exc: BaseException | None = None) -> None:
    token = g.pop("request_log_token", None)
    if token is not None:
        logs.pop(token)
