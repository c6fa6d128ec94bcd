"""Small builders for test data in the store."""

from sqlalchemy.orm import Session, sessionmaker

from jobmatch.store.models import AtsJob, Customer, Integration
from jobmatch.store.types import utcnow

INTEGRATION_ID = "personio:CBNMt7dSNCzBdnRTx87dev4E"


def add_integration(sessions: sessionmaker[Session], integration_id: str = INTEGRATION_ID, slug: str = "acme") -> str:
    with sessions.begin() as session:
        customer = Customer(slug=slug, name=slug.title())
        session.add(Integration(id=integration_id, customer=customer, tool=integration_id.partition(":")[0]))
    return integration_id


def add_ats_jobs(sessions: sessionmaker[Session], jobs: list[dict], integration_id: str = INTEGRATION_ID) -> None:
    """Mirror Kombo-shaped jobs into the store the way a sync does, stamped with the customer's next jobs version."""
    from jobmatch.sync.mirror import bump_jobs_version, job_columns
    from jobmatch.sync.validation import check_job

    with sessions.begin() as session:
        version = bump_jobs_version(session, integration_id)
        for job in jobs:
            checked = check_job(job)
            quarantined_at = None if checked.quarantine is None else utcnow()
            session.add(AtsJob(**job_columns(checked), integration_id=integration_id, quarantined_at=quarantined_at,
                               version=version))


def sync_page(sessions: sessionmaker[Session], jobs: list[dict], integration_id: str = INTEGRATION_ID) -> None:
    """Write one page of Kombo jobs as an incremental sync run does (jobmatch.sync.mirror.write_page)."""
    from jobmatch.store.models import SyncRun
    from jobmatch.store.types import utcnow
    from jobmatch.sync.mirror import write_page

    with sessions.begin() as session:
        run = SyncRun(integration_id=integration_id, kind="incremental")
        session.add(run)
        session.flush()
        write_page(session, integration_id, run.id, jobs, utcnow())


def add_api_key(sessions: sessionmaker[Session], slug: str = "acme", role: str = "admin") -> str:
    from jobmatch.api.keys import create_key

    with sessions.begin() as session:
        return create_key(session, slug, role)


class PoolAt:
    """A pool of these jobs as a process held it at `version` (jobmatch.api.pools.Pool's interface): what a
    request matched against while its pool was behind, or before any job was mirrored."""

    def __init__(self, version: int, jobs: list[dict] = ()) -> None:
        from jobmatch.matcher import JobIndex

        self.index, self.version = JobIndex(jobs), version

    def match(self, *args, **kwargs):
        return self.index.match(*args, **kwargs)
