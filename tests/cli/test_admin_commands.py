from click.testing import CliRunner
from sqlalchemy import select

from jobmatch.cli import main
from jobmatch.store.models import Integration


def invoke(database_url: str, *args: str):
    return CliRunner().invoke(main, list(args), env={"JOBMATCH_DATABASE_URL": database_url})


def test_db_upgrade_creates_the_default_sqlite_database(tmp_path) -> None:
    result = CliRunner().invoke(main, ["db", "upgrade"], env={"JOBMATCH_INSTANCE_PATH": str(tmp_path / "instance"), "JOBMATCH_DATABASE_URL": ""})
    assert result.exit_code == 0, result.output
    assert (tmp_path / "instance" / "jobmatch.db").exists()


def test_customers_and_integrations(database_url, sessions) -> None:
    assert invoke(database_url, "customers", "add", "acme-gmbh", "--name", "ACME GmbH").exit_code == 0
    result = invoke(database_url, "integrations", "add", "--customer", "acme-gmbh", "--integration-id", "personio:abc123")
    assert result.exit_code == 0, result.output
    with sessions() as session:
        integration = session.scalar(select(Integration))
        assert (integration.id, integration.tool, integration.customer.slug) == ("personio:abc123", "personio", "acme-gmbh")
    listing = invoke(database_url, "integrations", "list")
    assert "personio:abc123\tacme-gmbh\twaiting_for_first_sync\tjobs=0" in listing.output


def test_an_integration_reads_the_statuses_chosen(database_url, sessions) -> None:
    invoke(database_url, "customers", "add", "acme")
    args = ("--customer", "acme", "--integration-id", "personio:abc123")
    assert "statuses must be some of OPEN, CLOSED, DRAFT, ARCHIVED; 'PAUSED' is not one" in invoke(
        database_url, "integrations", "add", *args, "--statuses", "open,paused").output
    assert invoke(database_url, "integrations", "add", *args, "--statuses", "draft,open").exit_code == 0
    assert "statuses=OPEN,DRAFT" in invoke(database_url, "integrations", "list").output
    changed = invoke(database_url, "integrations", "set", "--integration-id", "personio:abc123", "--statuses", "all")
    assert changed.output == "integration personio:abc123 reads every status\n"
    with sessions() as session:
        assert session.scalar(select(Integration.statuses)) is None
    missing = invoke(database_url, "integrations", "set", "--integration-id", "x:y", "--statuses", "OPEN")
    assert "no integration 'x:y'" in missing.output


def test_clear_errors(database_url, sessions) -> None:
    assert "use 1-64 lowercase letters" in invoke(database_url, "customers", "add", "ACME!").output
    invoke(database_url, "customers", "add", "acme")
    assert "already exists" in invoke(database_url, "customers", "add", "acme").output
    assert "no customer 'nope'" in invoke(database_url, "integrations", "add", "--customer", "nope", "--integration-id", "x:y").output
    assert "expected tool:id" in invoke(database_url, "integrations", "add", "--customer", "acme", "--integration-id", "abc").output


def test_a_bad_setting_names_its_variable() -> None:
    result = CliRunner().invoke(main, ["customers", "list"], env={"KOMBO_BASE_URL": "ftp://x"})
    assert result.exit_code == 2
    assert "KOMBO_BASE_URL must be" in result.output
