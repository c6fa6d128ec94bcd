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
