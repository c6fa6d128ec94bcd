"""A sync that closes, deletes or reopens a linked job tells the posting's endpoints; other changes do not."""

from sqlalchemy import select

from jobmatch.api.pools import Pools
from jobmatch.api.tasks import sync_integration
from jobmatch.api.webhook_endpoints import new_secret
from jobmatch.store.models import Customer, WebhookDelivery, WebhookEndpoint, WebhookSubscription
from jobmatch.sync.kombo import KomboClient
from tests.api.helpers import NURSE, post
from tests.api.queue_helpers import app, kombo  # noqa: F401 (fixtures)
from tests.factories import INTEGRATION_ID


def sync(kombo, sessions) -> None:
    with KomboClient(api_key=kombo.api_key, base_url=kombo.base_url) as client:
        sync_integration(sessions, client, Pools(), INTEGRATION_ID)


def events(sessions) -> list[tuple[str, int]]:
    with sessions() as session:
        return [(d.type, d.posting_id) for d in session.scalars(select(WebhookDelivery).order_by(WebhookDelivery.id))]


def test_closing_deleting_and_reopening_a_linked_job_are_events(client, keys, kombo, sessions) -> None:
    with sessions.begin() as session:
        customer = session.scalars(select(Customer).where(Customer.slug == "acme")).one()
        session.add(WebhookEndpoint(customer_id=customer.id, url="https://hooks.example.com/in", secret=new_secret(),
                                    subscriptions=[WebhookSubscription(event_type="posting.deactivated_in_ats"),
                                                   WebhookSubscription(event_type="posting.reactivated")]))
    nurse = post(client, keys, NURSE).json["id"]
    other = post(client, keys, NURSE | {"external_id": "mp-2"}).json["id"]
    client.delete(f"/v1/postings/{other}", headers=keys.header("poster"))  # withdrawn: told nothing more
    sync(kombo, sessions)
    assert events(sessions) == []  # the first sync changed nothing about the job's state

    kombo.edit_job(INTEGRATION_ID, "job-nurse-berlin", name="Pflegefachkraft (m/w/d) Station 3")
    sync(kombo, sessions)
    assert events(sessions) == []
    kombo.edit_job(INTEGRATION_ID, "job-nurse-berlin", status="CLOSED")
    sync(kombo, sessions)
    kombo.edit_job(INTEGRATION_ID, "job-nurse-berlin", status="OPEN")
    sync(kombo, sessions)
    kombo.delete_job(INTEGRATION_ID, "job-nurse-berlin")
    sync(kombo, sessions)
    assert events(sessions) == [("posting.deactivated_in_ats", nurse), ("posting.reactivated", nurse),
                                ("posting.deactivated_in_ats", nurse)]
    with sessions() as session:
        last = session.scalars(select(WebhookDelivery).order_by(WebhookDelivery.id.desc())).first()
    assert last.posting["deactivated_in_ats"]["reason"] == "deleted" and last.posting["can_apply"] is False
