from sqlalchemy import select

from jobmatch.api.pools import Pools
from jobmatch.fixtures.kombo_jobs import kombo_job
from jobmatch.matcher import Posting
from jobmatch.store.models import Customer
from tests.factories import add_ats_jobs, add_integration, sync_page

COOK = kombo_job("job-cook", "301", "Koch (m/w/d)", job_code="KO-301", city="Berlin")


def test_a_sync_that_changed_nothing_keeps_the_cached_pool_and_a_change_renews_it(sessions) -> None:
    add_integration(sessions)
    add_ats_jobs(sessions, [COOK])
    pools = Pools()
    with sessions() as session:
        customer_id = session.scalar(select(Customer.id))
        first = pools.index(session, customer_id)

    sync_page(sessions, [COOK])
    with sessions() as session:
        assert pools.index(session, customer_id) is first

    sync_page(sessions, [COOK | {"name": "Küchenchef (m/w/d)"}])
    with sessions() as session:
        renewed = pools.index(session, customer_id)
    assert renewed is not first
    best = renewed.match(Posting(title="Küchenchef (m/w/d)"), limit=1).candidates[0]
    assert best.job_id == "job-cook"
