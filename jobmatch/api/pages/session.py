"""Signing in to the page: a reviewer or admin key is checked once and the session cookie remembers the key's
row, looked up again on each request so a revoked key signs its sessions out. Every POST carries the session's
CSRF token."""

import hmac
import secrets
from typing import Any

from flask import Blueprint, Flask, Request, abort, flash, g, redirect, render_template, request, session, url_for
from flask.sessions import SecureCookieSession, SecureCookieSessionInterface
from sqlalchemy import select
from werkzeug.exceptions import HTTPException
from werkzeug.wrappers import Response

from jobmatch.api.auth import Caller, identify, key_refusal
from jobmatch.api.database import session as db_session
from jobmatch.api.keys import hash_key
from jobmatch.store.models import ApiKey, Role
from jobmatch.store.types import utcnow

PAGE_ROLES = (Role.REVIEWER, Role.ADMIN)
OPEN_ENDPOINTS = {"pages.sign_in", "pages.static"}
CONTENT_SECURITY_POLICY = "default-src 'self'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"


class PageSessions(SecureCookieSessionInterface):
    """The signed session cookie, for the page's paths only: the JSON API is stateless, so its requests neither
    read a cookie nor build a signer (a share of each posting's time)."""

    def __init__(self, prefix: str) -> None:
        self.prefix = prefix

    def open_session(self, app: Flask, incoming: Request) -> SecureCookieSession | None:
        if not incoming.path.startswith(self.prefix):
            return self.make_null_session(app)
        return super().open_session(app, incoming)


def csrf_token() -> str:
    if "csrf" not in session:
        session["csrf"] = secrets.token_urlsafe(32)
    return session["csrf"]


def protect(bp: Blueprint) -> None:
    """Every route of the page needs a signed-in reviewer, every POST the CSRF token; errors render as pages."""
    bp.before_request(_check_request)
    bp.app_context_processor(lambda: {"csrf_token": csrf_token, "signed_in": g.get("caller")})
    bp.register_error_handler(HTTPException, _error_page)
    bp.after_request(_security_headers)
    bp.add_url_rule("/sign-in", "sign_in", _sign_in, methods=["GET", "POST"])
    bp.add_url_rule("/sign-out", "sign_out", _sign_out, methods=["POST"])


def _check_request() -> Response | None:
    if request.method == "POST":
        sent = request.form.get("csrf_token") or request.headers.get("X-CSRF-Token") or ""
        expected = session.get("csrf")
        if not expected or not hmac.compare_digest(sent.encode(), expected.encode()):
            abort(400, "The form expired or did not come from this site (its CSRF token is missing or wrong). "
                       "Reload the page and try again.")
    if request.endpoint in OPEN_ENDPOINTS:
        return None
    g.caller = _signed_in_caller()
    if g.caller is None:
        session.pop("key_id", None)
        back = request.full_path.rstrip("?") if request.method == "GET" else None
        return redirect(url_for("pages.sign_in", next=back))
    return None


def _signed_in_caller() -> Caller | None:
    key_id = session.get("key_id")
    if key_id is None:
        return None
    row = db_session().get(ApiKey, key_id)
    if row is None or key_refusal(row.revoked_at, row.expires_at, utcnow()) or row.role not in PAGE_ROLES:
        return None
    found = Caller(customer_id=row.customer_id, role=row.role, prefix=row.prefix, key_id=row.id, name=row.name)
    identify(found)
    return found


def _sign_in() -> Any:
    if request.method == "GET":
        return render_template("sign_in.html", next=_safe_next(request.args.get("next")))
    key = request.form.get("key", "").strip()
    row = db_session().scalar(select(ApiKey).where(ApiKey.key_hash == hash_key(key))) if key else None
    refusal = key_refusal(row.revoked_at, row.expires_at, utcnow()) if row is not None else None
    if row is None or refusal:
        error = ("Enter your API key." if not key else f"Refused: {refusal}." if refusal
                 else "That key is unknown or revoked.")
    elif row.role not in PAGE_ROLES:
        error = f"A {row.role} key cannot review; sign in with a reviewer or admin key."
    else:
        session.clear()  # a fresh session and CSRF token for the new sign-in
        session["key_id"] = row.id
        csrf_token()
        session.permanent = True
        flash(f"Signed in as {row.label} ({row.role}).")
        return redirect(_safe_next(request.form.get("next")) or url_for("pages.queue"))
    return render_template("sign_in.html", error=error, next=_safe_next(request.form.get("next"))), 401


def _sign_out() -> Response:
    session.clear()
    flash("Signed out.")
    return redirect(url_for("pages.sign_in"))


def _safe_next(target: str | None) -> str | None:
    """Only a path of this page: never another site (an open redirect)."""
    if target and target.startswith("/review/") and not target.startswith("//"):
        return target
    return None


def _security_headers(response: Response) -> Response:
    """Only this site's own scripts, styles and form targets; no framing (clickjacking)."""
    response.headers["Content-Security-Policy"] = CONTENT_SECURITY_POLICY
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response


def _error_page(exc: HTTPException) -> Any:
    data = getattr(exc, "data", None) or {}
    message = data.get("message") or exc.description or exc.name
    return render_template("error.html", status=exc.code, title=exc.name, message=message), exc.code or 500
