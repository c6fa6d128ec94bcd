"""Requests the API tests send again and again."""

NURSE = {"external_id": "mp-1", "source": "stepstone", "title": "Pflegefachkraft (m/w/d)", "job_code": "PF-101",
         "location": {"city": "Berlin"}}


def post(client, keys, body, role="poster"):
    return client.post("/v1/postings", json=body, headers=keys.header(role))
