"""Broadbean's XML push: adverts added, updated and deleted, the key in the header or in `password`, the job code
from a named custom field or from a reference that is the ATS's code, and hostile XML refused with nothing
stored."""

from pathlib import Path
from xml.etree.ElementTree import fromstring

import pytest
from sqlalchemy import select

from jobmatch.store.models import Posting

SAMPLES = Path(__file__).with_name("samples")
URL = "/v1/multiposters/broadbean"
XML = {"Content-Type": "application/xml"}


def sample(name: str, key: str, **replace: str) -> bytes:
    text = (SAMPLES / name).read_text().replace("<password>KEY</password>", f"<password>{key}</password>")
    for old, new in replace.items():
        text = text.replace(old, new)
    return text.encode()


def answer_of(response) -> dict[str, str]:
    assert response.mimetype == "application/xml", response.data
    return {child.tag: child.text for child in fromstring(response.data)}


def postings(sessions) -> list[Posting]:
    with sessions() as session:
        return list(session.scalars(select(Posting).order_by(Posting.id)))


def test_an_advert_is_added_with_the_key_in_password_and_its_code_from_a_custom_field(client, keys, sessions) -> None:
    response = client.post(f"{URL}?job_code_field=ATS_Job_Id", data=sample("broadbean-add.xml", keys.poster),
                           headers=XML)
    assert response.status_code == 201
    answer = answer_of(response)
    [posting] = postings(sessions)
    assert answer["status"] == "ok" and answer["posting_id"] == str(posting.id)
    assert answer["message"] == f"Advert bb-4711 posted as posting {posting.id}; matching decision: auto linked."
    assert (posting.source, posting.external_id, posting.title, posting.job_code) == (
        "broadbean", "bb-4711", "Pflegefachkraft (m/w/d) Vollzeit", "PF-101")
    assert posting.location == {"city": "Berlin", "raw": "Berlin, Germany", "zip_code": None, "country": None}
    assert (posting.employment_type, posting.post_url, posting.linked_job_id) == ("Permanent", None, "job-nurse-berlin")


def test_without_the_custom_field_the_reference_is_the_code_only_when_the_ats_has_it(client, keys, sessions) -> None:
    ats_code = sample("broadbean-add.xml", keys.poster, **{"bb-4711": "PF-102"})
    assert client.post(URL, data=ats_code, headers=XML).status_code == 201
    other = sample("broadbean-add.xml", keys.poster, **{"bb-4711": "bb-1"})
    assert client.post(URL, data=other, headers=XML).status_code == 201
    assert [(p.external_id, p.job_code) for p in postings(sessions)] == [("PF-102", "PF-102"), ("bb-1", None)]


def test_an_add_again_updates_and_delete_withdraws(client, keys, sessions) -> None:
    client.post(URL, data=sample("broadbean-add.xml", keys.poster), headers=XML)
    changed = sample("broadbean-add.xml", keys.poster, **{"Vollzeit": "Teilzeit"})
    response = client.post(URL, data=changed, headers=XML)
    assert response.status_code == 200 and "updated" in answer_of(response)["message"]
    deleted = client.post(URL, data=sample("broadbean-delete.xml", keys.poster), headers=XML)
    assert deleted.status_code == 200 and answer_of(deleted)["command"] == "delete"
    [posting] = postings(sessions)
    assert posting.title == "Pflegefachkraft (m/w/d) Teilzeit" and posting.withdrawn_at is not None
    missing = client.post(URL, data=sample("broadbean-delete.xml", keys.poster, **{"bb-4711": "bb-0"}), headers=XML)
    assert missing.status_code == 404 and "bb-0" in missing.json["error"]["message"]


def test_the_key_may_come_in_the_authorization_header(client, keys, sessions) -> None:
    body = sample("broadbean-add.xml", "not-a-key")
    response = client.post(URL, data=body, headers=XML | keys.header("poster"))
    assert response.status_code == 201


@pytest.mark.parametrize(("key", "status"), [("", 401), ("jm_wrong", 401), ("reviewer", 403)])
def test_a_missing_wrong_or_reviewer_key_is_refused(client, keys, sessions, key, status) -> None:
    key = keys.reviewer if key == "reviewer" else key
    assert client.post(URL, data=sample("broadbean-add.xml", key), headers=XML).status_code == status
    assert postings(sessions) == []


@pytest.mark.parametrize("name", ["hostile-billion-laughs.xml", "hostile-external-entity.xml",
                                  "hostile-external-dtd.xml", "hostile-parameter-entity.xml",
                                  "hostile-internal-entity.xml"])
def test_hostile_xml_is_refused_and_nothing_is_stored(client, keys, sessions, name) -> None:
    response = client.post(URL, data=sample(name, keys.poster), headers=XML)
    assert response.status_code == 400
    assert "DTDs, entities and external references are not accepted" in response.json["error"]["message"]
    assert postings(sessions) == []


@pytest.mark.parametrize(("body", "status", "says"), [
    (b"<job><command>add</command>", 400, "not well-formed"),
    (b"<advert/>", 422, "expected a <job>"),
    (b"<job><command>publish</command><job_reference>r</job_reference></job>", 422, "invalid"),
    (b"<job><command>add</command><job_reference>r</job_reference></job>", 422, "job_title"),
    (b"<job><command>add</command><job_reference>r</job_reference><job_title>\x00</job_title></job>", 400,
     "not well-formed"),
])
def test_broken_adverts_are_refused_saying_why(client, keys, sessions, body, status, says) -> None:
    response = client.post(URL, data=body, headers=XML | keys.header("poster"))
    assert response.status_code == status and says in response.json["error"]["message"]
    assert postings(sessions) == []


def test_json_and_oversized_bodies_are_refused(client, keys, sessions) -> None:
    assert client.post(URL, json={"command": "add"}, headers=keys.header("poster")).status_code == 415
    huge = sample("broadbean-add.xml", keys.poster, **{"Pflege in Berlin": "x" * 300_000})
    assert client.post(URL, data=huge, headers=XML).status_code == 413
    assert postings(sessions) == []


def test_the_route_is_in_the_openapi_document_with_its_xml_body(client) -> None:
    document = client.get("/openapi.json").json
    operation = document["paths"][URL]["post"]
    assert "application/xml" in operation["requestBody"]["content"]
    assert "job_reference" in document["components"]["schemas"]["BroadbeanJob"]["properties"]
