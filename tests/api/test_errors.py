"""One envelope for every error, with the field errors of invalid input."""

import pytest

from jobmatch.api import MAX_BODY_BYTES
from tests.api.helpers import NURSE, post


def assert_envelope(response, status, code):
    assert response.status_code == status
    assert response.is_json
    assert set(response.json) == {"error"}
    assert set(response.json["error"]) == {"code", "message", "details"}
    assert response.json["error"]["code"] == code
    assert response.json["error"]["message"]
    return response.json["error"]


def test_unknown_path_and_method(client, keys) -> None:
    assert_envelope(client.get("/v1/nothing", headers=keys.header("admin")), 404, "not_found")
    response = client.put("/v1/postings", headers=keys.header("admin"))
    assert_envelope(response, 405, "method_not_allowed")
    assert "POST" in response.headers["Allow"]


@pytest.mark.parametrize(("body", "details"), [
    ({"source": "s", "title": "t"}, {"external_id": ["Missing data for required field."]}),
    (NURSE | {"title": "   "}, {"title": ["must not be blank"]}),
    (NURSE | {"title": "x" * 501}, {"title": ["Length must be between 1 and 500."]}),
    (NURSE | {"job_code": 42}, {"job_code": ["Not a valid string."]}),
    (NURSE | {"salary": "lots"}, {"salary": ["Unknown field."]}),
    (NURSE | {"location": {"town": "Berlin"}}, {"location": {"town": ["Unknown field."]}}),
    (NURSE | {"location": "Berlin"}, {"location": {"_schema": ["Invalid input type."]}}),
    (["not", "an", "object"], {"_schema": ["Invalid input type."]}),
])
def test_invalid_postings_are_422_with_field_errors(client, keys, body, details) -> None:
    error = assert_envelope(post(client, keys, body), 422, "unprocessable_entity")
    assert error["details"] == {"json": details}


def test_broken_json_and_oversized_bodies(client, keys) -> None:
    header = keys.header("poster") | {"Content-Type": "application/json"}
    assert_envelope(client.post("/v1/postings", data="{not json", headers=header), 400, "bad_request")
    big = b'{"title": "' + b"x" * MAX_BODY_BYTES + b'"}'
    assert_envelope(client.post("/v1/postings", data=big, headers=header), 413, "request_entity_too_large")


def test_an_unexpected_failure_is_a_500_in_the_envelope(app, caplog) -> None:
    app.add_url_rule("/v1/boom", "boom", lambda: 1 / 0)
    error = assert_envelope(app.test_client().get("/v1/boom"), 500, "internal_server_error")
    assert "ZeroDivisionError" not in error["message"]
    assert "unhandled error" in caplog.text


def test_openapi_document_is_generated_from_the_schemas(client, keys) -> None:
    document = client.get("/openapi.json").json
    assert document["openapi"].startswith("3.")
    assert set(document["paths"]) >= {"/v1/postings", "/v1/postings/{posting_id}", "/v1/postings/{posting_id}/link",
                                      "/v1/postings/{posting_id}/reject", "/v1/postings/{posting_id}/unlink",
                                      "/v1/postings/batch", "/v1/ats-jobs", "/v1/ats-jobs/{job_id}", "/v1/customer"}
    create = document["paths"]["/v1/postings"]["post"]
    assert {"200", "201", "422"} <= set(create["responses"])
    schemas = document["components"]["schemas"]
    assert schemas["PostingIn"]["required"] == ["external_id", "source", "title"]
    assert schemas["PostingIn"]["properties"]["title"]["maxLength"] == 500
    assert document["components"]["securitySchemes"]["apiKey"] == {"type": "http", "scheme": "bearer"}
    assert set(schemas["ErrorDetail"]["properties"]) == {"code", "message", "details"}
    assert create["responses"]["401"] == {"$ref": "#/components/responses/UNAUTHORIZED"}
    assert "default" not in create["responses"]  # each error a route answers is documented by its status
    error_response = document["components"]["responses"]["UNAUTHORIZED"]
    assert error_response["content"]["application/json"]["schema"] == {"$ref": "#/components/schemas/Error"}


def test_inputs_the_database_cannot_take_are_clear_errors(client, keys) -> None:
    error = assert_envelope(post(client, keys, NURSE | {"title": "Pflege\x00kraft"}), 422, "unprocessable_entity")
    assert error["details"] == {"json": {"title": ["must not contain NUL characters"]}}
    huge = 10**20
    assert_envelope(client.get(f"/v1/postings/{huge}", headers=keys.header("poster")), 404, "not_found")
    created = post(client, keys, NURSE).json
    link = client.post(f"/v1/postings/{created['id']}/link", json={"job_id": "job\x00"}, headers=keys.header("admin"))
    assert_envelope(link, 422, "unprocessable_entity")
