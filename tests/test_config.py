import runpy
from pathlib import Path

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


def test_operation_settings_default_to_an_hourly_safety_net_text_logs_and_no_metrics() -> None:
    settings = Settings.from_env({})
    assert settings.safety_sync_minutes == 60
    assert settings.metrics_token is None
    assert (settings.log_format, settings.log_level) == ("text", None)
    assert settings.pool_cache_mb == 256


def test_operation_settings_are_read_from_their_variables() -> None:
    settings = Settings.from_env({
        "JOBMATCH_SAFETY_SYNC_MINUTES": "15", "JOBMATCH_METRICS_TOKEN": "m" * 16,
        "JOBMATCH_LOG_FORMAT": "JSON", "JOBMATCH_LOG_LEVEL": "debug", "JOBMATCH_POOL_CACHE_MB": "96",
    })
    assert settings.pool_cache_mb == 96
    assert settings.safety_sync_minutes == 15
    assert settings.metrics_token == "m" * 16
    assert (settings.log_format, settings.log_level) == ("json", "DEBUG")


def test_reading_settings_default_to_a_daily_reconciliation_and_minutes_of_overlap() -> None:
    defaults = Settings.from_env({})
    assert (defaults.reconcile_hours, defaults.sync_overlap_seconds) == (24, 300)
    assert (defaults.max_retry_after_seconds, defaults.lookup_delay_seconds) == (600, 30)
    chosen = Settings.from_env({
        "JOBMATCH_RECONCILE_HOURS": "6", "JOBMATCH_SYNC_OVERLAP_SECONDS": "0",
        "JOBMATCH_MAX_RETRY_AFTER_SECONDS": "120", "JOBMATCH_LOOKUP_DELAY_SECONDS": "5",
    })
    assert (chosen.reconcile_hours, chosen.sync_overlap_seconds) == (6, 0)
    assert (chosen.max_retry_after_seconds, chosen.lookup_delay_seconds) == (120, 5)


@pytest.mark.parametrize(
    ("variable", "value", "message"),
    [
        ("JOBMATCH_RECONCILE_HOURS", "0", "JOBMATCH_RECONCILE_HOURS must be a whole number of hours from 1 to 336"),
        ("JOBMATCH_SYNC_OVERLAP_SECONDS", "-1", "JOBMATCH_SYNC_OVERLAP_SECONDS must be .* from 0 to 86400, not '-1'"),
        ("JOBMATCH_MAX_RETRY_AFTER_SECONDS", "1.5", "JOBMATCH_MAX_RETRY_AFTER_SECONDS must be a whole number"),
        ("JOBMATCH_LOOKUP_DELAY_SECONDS", "soon", "JOBMATCH_LOOKUP_DELAY_SECONDS must be a whole number of seconds"),
    ],
)
def test_bad_reading_settings_name_their_variable(variable: str, value: str, message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        Settings.from_env({variable: value})


@pytest.mark.parametrize(
    ("variable", "value", "message"),
    [
        ("JOBMATCH_SAFETY_SYNC_MINUTES", "soon", "JOBMATCH_SAFETY_SYNC_MINUTES must be a whole number of minutes"),
        ("JOBMATCH_SAFETY_SYNC_MINUTES", "0", "JOBMATCH_SAFETY_SYNC_MINUTES must be a whole number .* not '0'"),
        ("JOBMATCH_SAFETY_SYNC_MINUTES", "10081", "JOBMATCH_SAFETY_SYNC_MINUTES must be .* to 10080"),
        ("JOBMATCH_METRICS_TOKEN", "short", "JOBMATCH_METRICS_TOKEN must be at least 16 characters"),
        ("JOBMATCH_LOG_FORMAT", "xml", "JOBMATCH_LOG_FORMAT must be one of text, json, not 'xml'"),
        ("JOBMATCH_POOL_CACHE_MB", "lots", "JOBMATCH_POOL_CACHE_MB must be a whole number of MiB from 16"),
        ("JOBMATCH_POOL_CACHE_MB", "8", "JOBMATCH_POOL_CACHE_MB must be .* not '8'"),
        ("JOBMATCH_LOG_LEVEL", "loud", "JOBMATCH_LOG_LEVEL must be one of DEBUG, INFO, WARNING, ERROR, not 'LOUD'"),
    ],
)
def test_bad_operation_settings_name_their_variable(variable: str, value: str, message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        Settings.from_env({variable: value})


GUNICORN_CONF = Path(__file__).parent.parent / "jobmatch" / "api" / "gunicorn_conf.py"


def test_gunicorn_settings_come_from_their_variables(monkeypatch) -> None:
    monkeypatch.setenv("JOBMATCH_GUNICORN_WORKERS", "3")
    monkeypatch.setenv("JOBMATCH_GUNICORN_TIMEOUT", "90")
    conf = runpy.run_path(str(GUNICORN_CONF))
    assert (conf["workers"], conf["threads"], conf["timeout"]) == (3, 2, 90)
    assert conf["accesslog"] is None  # the app logs each request with its id


@pytest.mark.parametrize("variable", ["JOBMATCH_GUNICORN_WORKERS", "JOBMATCH_GUNICORN_THREADS",
                                      "JOBMATCH_GUNICORN_TIMEOUT"])
def test_bad_gunicorn_settings_name_their_variable(monkeypatch, variable: str) -> None:
    monkeypatch.setenv(variable, "two")
    with pytest.raises(ConfigError, match=f"{variable} must be a whole number of at least 1, not 'two'"):
        runpy.run_path(str(GUNICORN_CONF))
