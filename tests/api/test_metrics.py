"""Prometheus metrics: behind their token, in the text exposition format, computed from the database, and the
process's pool counters."""

import os
from datetime import timedelta

import pytest
from sqlalchemy import update

from jobmatch.api import create_app
from jobmatch.api.database import database
from jobmatch.config import Settings
from jobmatch.fixtures.kombo_jobs import kombo_job
from jobmatch.store.models import Integration, SyncRun
from jobmatch.store.types import utcnow
from tests.api.conftest import OTHER_INTEGRATION_ID
from tests.api.helpers import NURSE, post
from tests.factories import INTEGRATION_ID, add_ats_jobs

TOKEN = "metrics-token-0123456789"


@pytest.fixture
def app(database_url, sessions, tmp_path):
    app = create_app(Settings(database_url, "https://api.kombo.dev", None, None, tmp_path, metrics_token=TOKEN))
    yield app
    database(app).close()


def scrape(client) -> dict[str, float]:
    """Each sample's value by its name and labels, as written (prometheus_client orders labels by name)."""
    response = client.get("/metrics", headers={"Authorization": f"Bearer {TOKEN}"})
    assert response.status_code == 200, response.json
    assert response.content_type == "text/plain; version=0.0.4; charset=utf-8"  # what Prometheus asks for
    samples = {}
    for line in response.text.splitlines():
        if not line.startswith("#"):
            name, _, value = line.rpartition(" ")
            samples[name] = float(value)
    return samples


def test_metrics_need_the_token(client, keys) -> None:
    assert client.get("/metrics").status_code == 401
    assert client.get("/metrics", headers={"Authorization": "Bearer wrong"}).status_code == 401
    response = client.get("/metrics", headers=keys.header("admin"))  # a customer's key sees one customer only
    assert response.status_code == 401 and response.json["error"]["code"] == "unauthorized"


def test_metrics_are_off_without_a_token(database_url, sessions, tmp_path) -> None:
    app = create_app(Settings(database_url, "https://api.kombo.dev", None, None, tmp_path))
    try:
        response = app.test_client().get("/metrics", headers={"Authorization": f"Bearer {TOKEN}"})
    finally:
        database(app).close()
    assert response.status_code == 404
    assert "JOBMATCH_METRICS_TOKEN" in response.json["error"]["message"]


def test_every_family_is_declared_with_help_and_type(client, keys) -> None:
    text = client.get("/metrics", headers={"Authorization": f"Bearer {TOKEN}"}).text
    for name, kind in [("jobmatch_sync_lag_seconds", "gauge"), ("jobmatch_sync_running", "gauge"),
                       ("jobmatch_review_backlog", "gauge"), ("jobmatch_postings", "gauge"),
                       ("jobmatch_sync_runs_total", "counter"), ("jobmatch_sync_errors_total", "counter")]:
        assert f"# TYPE {name} {kind}\n" in text and f"# HELP {name} " in text
    openmetrics = client.get("/metrics", headers={"Authorization": f"Bearer {TOKEN}",
                                                  "Accept": "application/openmetrics-text; version=1.0.0"})
    assert openmetrics.content_type.startswith("application/openmetrics-text")
    assert openmetrics.text.endswith("# EOF\n")


def test_backlog_and_decisions_count_postings_by_customer_decision_and_method(client, keys) -> None:
    assert post(client, keys, NURSE).json["decision"] == "auto_linked"  # by its job code
    vague = {"external_id": "mp-2", "source": "stepstone", "title": "Pflegefachkraft (m/w/d)"}
    assert post(client, keys, vague).json["decision"] == "needs_review"
    samples = scrape(client)
    assert samples['jobmatch_review_backlog{customer="acme"}'] == 1
    assert samples['jobmatch_review_backlog{customer="other"}'] == 0
    assert samples['jobmatch_postings{customer="acme",decision="auto_linked",method="job_code"}'] == 1
    assert samples['jobmatch_postings{customer="acme",decision="needs_review",method=""}'] == 1


def test_sync_lag_runs_and_errors_come_from_the_integrations_and_their_runs(client, keys, sessions) -> None:
    now = utcnow()
    with sessions.begin() as session:
        session.execute(update(Integration).where(Integration.id == INTEGRATION_ID)
                        .values(watermark=now - timedelta(minutes=10), sync_lease_until=now + timedelta(minutes=1)))
        session.add_all([
            SyncRun(integration_id=INTEGRATION_ID, kind="full", outcome="succeeded", started_at=now, finished_at=now),
            SyncRun(integration_id=INTEGRATION_ID, kind="incremental", outcome="failed", started_at=now,
                    finished_at=now, error_code="REMOTE.SERVICE_UNAVAILABLE"),
            SyncRun(integration_id=INTEGRATION_ID, kind="incremental", outcome="failed", started_at=now,
                    finished_at=now, error_code="REMOTE.SERVICE_UNAVAILABLE"),
            SyncRun(integration_id=INTEGRATION_ID, kind="incremental", outcome="running", started_at=now),
        ])
    samples = scrape(client)
    lag = samples[f'jobmatch_sync_lag_seconds{{customer="acme",integration_id="{INTEGRATION_ID}"}}']
    assert 600 <= lag < 660
    never_synced = samples[f'jobmatch_sync_lag_seconds{{customer="other",integration_id="{OTHER_INTEGRATION_ID}"}}']
    assert 0 <= never_synced < 60  # since it was added
    assert samples[f'jobmatch_sync_running{{customer="acme",integration_id="{INTEGRATION_ID}"}}'] == 1
    assert samples[f'jobmatch_sync_running{{customer="other",integration_id="{OTHER_INTEGRATION_ID}"}}'] == 0
    assert samples[f'jobmatch_sync_runs_total{{integration_id="{INTEGRATION_ID}",kind="full",outcome="succeeded"}}'] == 1
    assert samples[f'jobmatch_sync_runs_total{{integration_id="{INTEGRATION_ID}",kind="incremental",outcome="failed"}}'] == 2
    assert not any(name.startswith("jobmatch_sync_runs_total") and "running" in name for name in samples)
    code = f'jobmatch_sync_errors_total{{code="REMOTE.SERVICE_UNAVAILABLE",integration_id="{INTEGRATION_ID}"}}'
    assert samples[code] == 2


def test_label_values_are_escaped(client, sessions) -> None:
    from tests.factories import add_integration

    add_integration(sessions, 'odd:"quoted"\\back', slug="odd")
    text = client.get("/metrics", headers={"Authorization": f"Bearer {TOKEN}"}).text
    assert 'integration_id="odd:\\"quoted\\"\\\\back"' in text


def test_the_pool_figures_are_this_processs_own(client, keys, app, sessions) -> None:
    pid = f'{{pid="{os.getpid()}"}}'
    before = scrape(client)
    assert before[f"jobmatch_pools{pid}"] == 0 and before[f"jobmatch_pool_rebuilds_total{pid}"] == 0
    assert before[f"jobmatch_pool_cache_bytes{pid}"] == 256 * 2**20
    post(client, keys, NURSE)
    post(client, keys, NURSE | {"external_id": "mp-2"})
    add_ats_jobs(sessions, [kombo_job("job-new", "105", "Koch (m/w/d)", city="Berlin")])  # one version ahead
    post(client, keys, NURSE | {"external_id": "mp-3"})
    app.extensions["jobmatch.pools"].settle()
    after = scrape(client)
    assert after[f"jobmatch_pools{pid}"] == 1
    assert after[f"jobmatch_pool_rebuilds_total{pid}"] == 1
    assert after[f"jobmatch_pool_hits_total{pid}"] == 2
    assert after[f"jobmatch_pool_catch_ups_total{pid}"] == 1
    assert after[f"jobmatch_pool_evictions_total{pid}"] == 0
    assert after[f"jobmatch_pool_versions_behind{pid}"] == 0
    assert 0 < after[f"jobmatch_pool_bytes{pid}"] < 2**20


def test_quarantined_jobs_are_counted_per_integration(client, keys, sessions) -> None:
    add_ats_jobs(sessions, [kombo_job("odd-1", "1", ["Koch"]), kombo_job("odd-2", "2", "Koch", status=7 * [1])])
    samples = scrape(client)
    assert samples[f'jobmatch_quarantined_jobs{{customer="acme",integration_id="{INTEGRATION_ID}"}}'] == 2
    assert samples[f'jobmatch_quarantined_jobs{{customer="other",integration_id="{OTHER_INTEGRATION_ID}"}}'] == 0
