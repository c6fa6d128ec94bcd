"""The baseline of sync_throughput.py: only the unavoidable work of a full sync.

GET every page with httpx, parse the JSON, extract the columns jobmatch stores, and insert each page with one
executemany into the same `ats_jobs` table (same indexes) of a freshly migrated database, committing per page.

    python benchmarks/sync_baseline.py BASE_URL API_KEY INTEGRATION_ID DATABASE_URL   (prints the job count)
"""

import sys
from datetime import UTC, datetime

import httpx
from sqlalchemy import insert

from jobmatch.store.db import make_engine
from jobmatch.store.models import AtsJob
from jobmatch.sync.mirror import job_columns
from jobmatch.sync.validation import CheckedJob

base_url, api_key, integration_id, database_url = sys.argv[1:5]
engine = make_engine(database_url)
headers = {"Authorization": f"Bearer {api_key}", "X-Integration-Id": integration_id}
params = {"page_size": "250", "include_deleted": "true"}
now = datetime.now(UTC)
count = 0
with httpx.Client(base_url=base_url + "/v1", headers=headers, timeout=30) as http:
    cursor = None
    while True:
        page = http.get("/ats/jobs", params=params | ({"cursor": cursor} if cursor else {})).json()["data"]
        extra = {"integration_id": integration_id, "exposed": False, "first_seen_at": now, "last_synced_at": now}
        rows = [job_columns(CheckedJob(job["id"], job, job)) | extra for job in page["results"]]  # unchecked
        with engine.begin() as connection:
            connection.execute(insert(AtsJob.__table__), rows)
        count += len(rows)
        cursor = page["next"]
        if not cursor:
            break
print(count)
