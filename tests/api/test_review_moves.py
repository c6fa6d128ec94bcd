"""The review page moves between postings only through claims: opening one claims it (or shows it without its
decisions while another reviewer holds it), Next claims the first free one after it, Back the last one left."""

from sqlalchemy import select

from jobmatch.api.keys import hash_key
from jobmatch.store.models import ApiKey, ReviewClaim
from jobmatch.store.types import utcnow
from tests.api.test_pages import postings, sign_in, submit
from tests.api.test_review import TITLE_ONLY
from tests.factories import add_api_key


def holders(sessions) -> dict[int, int]:
    """Which key holds which posting now, by key id."""
    with sessions() as db:
        return dict(db.execute(select(ReviewClaim.posting_id, ReviewClaim.api_key_id)
                               .where(ReviewClaim.expires_at > utcnow())).all())


def key_id(sessions, key: str) -> int:
    with sessions() as db:
        return db.scalar(select(ApiKey.id).where(ApiKey.key_hash == hash_key(key)))


def lands_on(response) -> int:
    assert response.status_code == 302, response.get_data(as_text=True)
    return int(response.headers["Location"].split("/review/postings/")[1].split("?")[0])


def test_opening_next_and_back_claim_and_never_take_anothers_posting(app, client, keys, sessions) -> None:
    ids = postings(client, keys, *(TITLE_ONLY | {"external_id": f"m-{n}"} for n in range(4)))
    ben_key = add_api_key(sessions, "acme", "reviewer")
    anna, ben = client, app.test_client()
    sign_in(anna, keys.reviewer)
    sign_in(ben, ben_key)
    anna_is, ben_is = key_id(sessions, keys.reviewer), key_id(sessions, ben_key)

    assert 'data-action="none"' in anna.get(f"/review/postings/{ids[0]}").get_data(as_text=True)
    page = ben.get(f"/review/postings/{ids[0]}").get_data(as_text=True)
    assert "is working on this posting" in page and 'data-action="none"' not in page
    assert holders(sessions) == {ids[0]: anna_is}

    assert lands_on(submit(ben, f"/review/postings/{ids[0]}/forward")) == ids[1]
    assert lands_on(submit(anna, f"/review/postings/{ids[0]}/forward")) == ids[2]  # Ben's #1 passed over
    assert holders(sessions) == {ids[1]: ben_is, ids[2]: anna_is}  # one claim each: #0 is free again
    assert lands_on(submit(ben, f"/review/postings/{ids[1]}/back")) == ids[0]  # Anna left it: free now
    assert lands_on(submit(ben, f"/review/postings/{ids[0]}/forward")) == ids[1]
    assert lands_on(submit(anna, f"/review/postings/{ids[2]}/forward")) == ids[3]
    assert lands_on(submit(anna, f"/review/postings/{ids[3]}/forward")) == ids[3]  # nothing after: she stays
    assert holders(sessions) == {ids[1]: ben_is, ids[3]: anna_is}
    assert lands_on(submit(anna, f"/review/postings/{ids[3]}/back")) == ids[2]
    assert lands_on(submit(ben, f"/review/postings/{ids[1]}/back")) == ids[0]
    assert holders(sessions) == {ids[0]: ben_is, ids[2]: anna_is}


def test_back_passes_over_what_another_reviewer_took_since(app, client, keys, sessions) -> None:
    ids = postings(client, keys, *(TITLE_ONLY | {"external_id": f"b-{n}"} for n in range(3)))
    anna, ben = client, app.test_client()
    sign_in(anna, keys.reviewer)
    sign_in(ben, add_api_key(sessions, "acme", "reviewer"))
    anna.get(f"/review/postings/{ids[0]}")
    assert lands_on(submit(anna, f"/review/postings/{ids[0]}/forward")) == ids[1]
    assert lands_on(submit(anna, f"/review/postings/{ids[1]}/forward")) == ids[2]
    ben.get(f"/review/postings/{ids[1]}")  # Ben takes #1, which Anna left
    back = submit(anna, f"/review/postings/{ids[2]}/back")
    assert lands_on(back) == ids[0]
    assert "another reviewer is working on it now" in anna.get(back.headers["Location"]).get_data(as_text=True)
