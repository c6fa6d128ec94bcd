"""The one error envelope, `{"error": {"code", "message", "details"}}`, for every error the API answers."""

import logging
from typing import Any, NoReturn

from flask import Flask, Response, jsonify
from werkzeug.exceptions import HTTPException, InternalServerError, default_exceptions

log = logging.getLogger(__name__)


def fail(
    status: int, message: str, details: dict[str, Any] | None = None, headers: dict[str, str] | None = None
) -> NoReturn:
    """Stop the request with an error the envelope describes."""
    error = default_exceptions[status]()
    error.data = {"message": message, "details": details or {}, "headers": headers or {}}  # type: ignore[attr-defined]
    raise error


def register(app: Flask) -> None:
    app.register_error_handler(HTTPException, _http_error)
    app.register_error_handler(Exception, _unexpected_error)


def _http_error(exc: HTTPException) -> Response:
    data = getattr(exc, "data", None) or {}
    if "messages" in data:  # webargs: the body is not JSON, or does not match its schema
        message = "The request is invalid; details say where and why."
        details = data["messages"]
    else:
        message = data.get("message") or exc.description or exc.name
        details = data.get("details", {})
    code = exc.name.lower().replace(" ", "_")
    response = jsonify(error={"code": code, "message": message, "details": details})
    response.status_code = exc.code or 500
    for name, value in exc.get_headers():
        if name.lower() != "content-type":
            response.headers[name] = value
    for name, value in (data.get("headers") or {}).items():
        response.headers[name] = value
    return response


def _unexpected_error(exc: Exception) -> Response:
    log.exception("unhandled error", exc_info=exc)
    return _http_error(InternalServerError())
