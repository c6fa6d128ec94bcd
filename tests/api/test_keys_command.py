from click.testing import CliRunner

from jobmatch.cli import main
from tests.factories import add_integration


def invoke(database_url, *args):
    return CliRunner().invoke(main, list(args), env={"JOBMATCH_DATABASE_URL": database_url})


def test_keys_create_prints_a_working_key_alone(database_url, sessions, client) -> None:
    add_integration(sessions, slug="acme")
    result = invoke(database_url, "keys", "create", "--customer", "acme", "--role", "reviewer")
    assert result.exit_code == 0, result.output
    key = result.stdout.strip()
    assert result.stdout == key + "\n"
    assert key.startswith("jm_")
    assert client.get("/v1/postings", headers={"Authorization": f"Bearer {key}"}).status_code == 200
    forbidden = client.post("/v1/postings", json={}, headers={"Authorization": f"Bearer {key}"})
    assert forbidden.status_code == 403


def test_keys_create_errors(database_url, sessions) -> None:
    unknown = invoke(database_url, "keys", "create", "--customer", "nope", "--role", "poster")
    assert unknown.exit_code == 1
    assert "no customer 'nope'" in unknown.output
    bad_role = invoke(database_url, "keys", "create", "--customer", "nope", "--role", "owner")
    assert bad_role.exit_code == 2
    assert "'owner' is not one of" in bad_role.output


def _bearer(key):
    return {"Authorization": f"Bearer {key}"}


def test_a_named_key_is_listed_used_and_revoked(database_url, sessions, client) -> None:
    add_integration(sessions, slug="acme")
    key = invoke(database_url, "keys", "create", "--customer", "acme", "--role", "reviewer",
                 "--name", "Anna Berger").stdout.strip()
    other = invoke(database_url, "keys", "create", "--customer", "acme", "--role", "poster").stdout.strip()
    before = invoke(database_url, "keys", "list", "--customer", "acme").stdout.splitlines()
    assert before[0].split("\t") == ["prefix", "role", "name", "created", "last_used", "state"]
    anna = before[1].split("\t")
    assert (anna[0], anna[1], anna[2], anna[4], anna[5]) == (key[:11], "reviewer", "Anna Berger", "never", "active")
    assert before[2].split("\t")[:3] == [other[:11], "poster", "-"]

    assert client.get("/v1/postings", headers=_bearer(key)).status_code == 200
    used = invoke(database_url, "keys", "list", "--customer", "acme").stdout.splitlines()[1].split("\t")
    assert used[4] != "never"

    revoked = invoke(database_url, "keys", "revoke", "--customer", "acme", key[:11])
    assert revoked.exit_code == 0, revoked.output
    assert "Anna Berger" in revoked.stdout
    assert client.get("/v1/postings", headers=_bearer(key)).status_code == 401
    assert client.get("/v1/postings", headers=_bearer(other)).status_code == 200
    state = invoke(database_url, "keys", "list", "--customer", "acme").stdout.splitlines()[1].split("\t")[5]
    assert state.startswith("revoked ")
    unknown = invoke(database_url, "keys", "revoke", "--customer", "acme", "jm_nothere")
    assert unknown.exit_code == 1
    assert "no key with the prefix 'jm_nothere'" in unknown.output


def test_an_expired_key_is_refused_with_the_reason(database_url, sessions, client) -> None:
    from datetime import timedelta

    from jobmatch.store.models import ApiKey
    from jobmatch.store.types import utcnow

    add_integration(sessions, slug="acme")
    key = invoke(database_url, "keys", "create", "--customer", "acme", "--role", "admin",
                 "--expires", "2999-01-01").stdout.strip()
    assert client.get("/v1/postings", headers=_bearer(key)).status_code == 200
    with sessions.begin() as session:
        session.query(ApiKey).one().expires_at = utcnow() - timedelta(minutes=1)
    refused = client.get("/v1/postings", headers=_bearer(key))
    assert refused.status_code == 401
    assert "expired at" in refused.json["error"]["message"]
    past = invoke(database_url, "keys", "create", "--customer", "acme", "--role", "admin", "--expires", "2020-01-01")
    assert past.exit_code == 1
    assert "has passed already" in past.output


def test_each_request_line_names_the_key_and_its_holder(database_url, sessions, client, capsys) -> None:
    import json
    import logging

    from jobmatch import logs

    add_integration(sessions, slug="acme")
    key = invoke(database_url, "keys", "create", "--customer", "acme", "--role", "reviewer",
                 "--name", "Anna Berger").stdout.strip()
    root = logging.getLogger()
    handlers, level = list(root.handlers), root.level
    logs.configure("json", "INFO")
    capsys.readouterr()
    try:
        client.get("/v1/postings", headers=_bearer(key))
    finally:
        root.handlers[:], root.level = handlers, level
        for name in logs.QUIET:
            logging.getLogger(name).setLevel(logging.NOTSET)
    [line] = [json.loads(text) for text in capsys.readouterr().err.splitlines() if '"jobmatch.requests"' in text]
    assert (line["path"], line["key"], line["actor"]) == ("/v1/postings", key[:11], "Anna Berger")
