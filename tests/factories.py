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
            session.add(AtsJob(**job_columns(checked), integration_id=integration_id, version=version,
                               quarantined_at=quarantined_at))


def add_api_key(sessions: sessionmaker[Session], slug: str = "acme", role: str = "admin") -> str:
    from jobmatch.api.keys import create_key

    with sessions.begin() as session:
        return create_key(session, slug, role)
