"""Learned aliases: a reviewer's link or rejection for one posting is offered to later postings of its title."""

from sqlalchemy import select

from jobmatch.api import aliases
from jobmatch.matcher import Location, Posting
from jobmatch.store.models import Customer
from tests.api.helpers import post
from tests.api.test_review import review

WORDED = {"source": "backoffice", "title": "LKW-Fahrer (m/w/d)", "location": {"city": "Berlin"}}


def test_a_link_to_a_job_not_ranked_first_puts_it_first_for_later_postings_of_the_title(client, keys) -> None:
    first = post(client, keys, WORDED | {"external_id": "bo-1"}).json
    assert first["decision"] == "no_match"  # a weak suggestion at most: "LKW" is no word of "Berufskraftfahrer"
    review(client, keys, first["id"], "link", {"job_id": "job-driver-berlin"})

    later = post(client, keys, WORDED | {"external_id": "bo-2", "title": "LKW Fahrer Vollzeit"}).json
    best = later["candidates"][0]
    assert (later["decision"], best["job_id"], best["method"]) == ("needs_review", "job-driver-berlin", "alias")
    assert best["reasons"][0] == f"linked by a reviewer for posting #{first['id']}"
    other_title = post(client, keys, WORDED | {"external_id": "bo-3", "title": "Pflegehelfer"}).json
    assert "job-driver-berlin" not in {c["job_id"] for c in other_title["candidates"]}


def test_a_rejection_puts_the_job_last_for_later_postings_and_a_later_link_undoes_it(client, keys) -> None:
    nurse = {"source": "backoffice", "title": "Pflegefachkraft", "location": {"city": "Berlin"}}
    first = post(client, keys, nurse | {"external_id": "bo-1"}).json
    assert first["candidates"][0]["job_id"] == "job-nurse-berlin"
    review(client, keys, first["id"], "reject", {"job_id": "job-nurse-berlin", "reason": "another ward"})

    later = post(client, keys, nurse | {"external_id": "bo-2"}).json
    assert later["candidates"][0]["job_id"] == "job-nurse-hamburg"
    assert later["candidates"][-1]["job_id"] == "job-nurse-berlin"
    assert f"rejected by a reviewer for posting #{first['id']}" in later["candidates"][-1]["reasons"]

    review(client, keys, later["id"], "link", {"job_id": "job-nurse-berlin"})
    third = post(client, keys, nurse | {"external_id": "bo-3"}).json
    assert third["candidates"][0]["job_id"] == "job-nurse-berlin"
    assert third["candidates"][0]["method"] == "alias"


def test_another_customers_verdicts_are_never_read(client, keys, sessions) -> None:
    first = post(client, keys, WORDED | {"external_id": "bo-1"}).json
    review(client, keys, first["id"], "link", {"job_id": "job-driver-berlin"})
    with sessions() as session:
        ids = dict(session.execute(select(Customer.slug, Customer.id)).all())
        matched = Posting(WORDED["title"], location=Location(city="Berlin"))
        assert [a.job_id for a in aliases.for_posting(session, ids["acme"], matched)] == ["job-driver-berlin"]
        assert aliases.for_posting(session, ids["other"], matched) == []
