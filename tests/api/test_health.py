"""Liveness and readiness probes: no key needed, and a failing dependency is named."""

from pathlib import Path

from jobmatch.api import create_app
from jobmatch.api.database import database
from jobmatch.config import Settings
from tests.redis_server import free_port, redis_server  # noqa: F401 (redis_server: a fixture)


def test_healthz_answers_without_a_key(client) -> None:
    response = client.get("/healthz")
    assert response.status_code == 200 and response.json == {"status": "ok"}


def test_readyz_checks_the_database_and_the_queue(client) -> None:
    response = client.get("/readyz")
    assert response.status_code == 200, response.json
    assert response.json == {"status": "ok", "checks": {"database": "ok", "queue": "ok"}}


def test_readyz_checks_redis_when_the_queue_is_there(database_url, sessions, tmp_path, redis_server) -> None:
    app = create_app(Settings(database_url, "https://api.kombo.dev", None, None, tmp_path, redis_url=redis_server.url))
    try:
        assert app.test_client().get("/readyz").status_code == 200
    finally:
        database(app).close()


def test_readyz_is_503_naming_an_unreachable_redis(database_url, sessions, tmp_path) -> None:
    app = create_app(Settings(database_url, "https://api.kombo.dev", None, None, tmp_path,
                              redis_url=f"redis://127.0.0.1:{free_port()}/0"))  # nothing listens there
    try:
        response = app.test_client().get("/readyz")
    finally:
        database(app).close()
    assert response.status_code == 503
    assert response.json["error"]["code"] == "service_unavailable"
    assert response.json["error"]["message"] == "not ready: queue unreachable"
    assert response.json["error"]["details"] == {"database": "ok", "queue": "unreachable (ConnectionError)"}


def test_readyz_is_503_when_the_sqlite_queue_file_is_gone(app, client, tmp_path: Path) -> None:
    assert client.get("/readyz").status_code == 200
    (tmp_path / "tasks.db").unlink()
    response = client.get("/readyz")
    assert response.status_code == 503
    assert response.json["error"]["details"]["queue"] == "unreachable (OperationalError)"


def test_readyz_is_503_naming_an_unreachable_database(tmp_path) -> None:
    url = f"postgresql+psycopg://postgres@127.0.0.1:{free_port()}/jobmatch"
    app = create_app(Settings(url, "https://api.kombo.dev", None, None, tmp_path))
    try:
        response = app.test_client().get("/readyz")
    finally:
        database(app).close()
    assert response.status_code == 503
    assert response.json["error"]["message"] == "not ready: database unreachable"
    assert response.json["error"]["details"] == {"database": "unreachable (OperationalError)", "queue": "ok"}


def test_every_response_carries_a_request_id(client) -> None:
    assert len(client.get("/healthz").headers["X-Request-Id"]) == 32
    assert client.get("/healthz", headers={"X-Request-Id": "lb-123"}).headers["X-Request-Id"] == "lb-123"
    assert len(client.get("/healthz", headers={"X-Request-Id": "not an id; <x>"}).headers["X-Request-Id"]) == 32
