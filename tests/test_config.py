import pytest

from jobmatch.config import ConfigError, Settings


def test_defaults_need_no_service(tmp_path) -> None:
    settings = Settings.from_env({"JOBMATCH_INSTANCE_PATH": str(tmp_path)})
    assert settings.database_url == f"sqlite:///{tmp_path / 'jobmatch.db'}"
    assert settings.kombo_base_url == "https://api.kombo.dev"
    assert settings.kombo_api_key is None


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("us", "https://api.us.kombo.dev"),
        ("CA", "https://api.ca.kombo.dev"),
        ("http://127.0.0.1:8765/", "http://127.0.0.1:8765"),
        ("https://api.kombo.dev/v1", "https://api.kombo.dev"),
    ],
)
def test_kombo_base_url_accepts_regions_and_urls(value: str, expected: str) -> None:
    assert Settings.from_env({"KOMBO_BASE_URL": value}).kombo_base_url == expected


@pytest.mark.parametrize(
    ("variable", "value", "message"),
    [
        ("KOMBO_BASE_URL", "api.kombo.dev", "KOMBO_BASE_URL must be eu, us, ca or an http"),
        ("JOBMATCH_DATABASE_URL", "not a url", "JOBMATCH_DATABASE_URL is not a database URL"),
        ("JOBMATCH_DATABASE_URL", "mysql://db/jobs", "JOBMATCH_DATABASE_URL uses 'mysql'"),
    ],
)
def test_bad_values_name_their_variable(variable: str, value: str, message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        Settings.from_env({variable: value})


def test_postgres_urls_use_psycopg_3() -> None:
    settings = Settings.from_env({"JOBMATCH_DATABASE_URL": "postgresql://u:p@db:5432/jobs"})
    assert settings.database_url == "postgresql+psycopg://u:p@db:5432/jobs"
