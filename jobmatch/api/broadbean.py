"""Broadbean (AdCourier) pushes one advert per request as XML: `add` makes or updates a posting, `delete`
withdraws it. Boards behind Broadbean often cannot send headers: the poster key may come as the `password`
element instead of `Authorization: Bearer`. The XML is parsed by defusedxml with DTDs forbidden, so entity
bombs and external references are refused before anything is read or stored.
"""

from typing import Any
from xml.etree.ElementTree import Element, ParseError, tostring

from defusedxml import DefusedXmlException
from defusedxml.ElementTree import fromstring
from flask import Response, request
from marshmallow import Schema, ValidationError, fields, validate
from sqlalchemy import exists, select

from jobmatch.api import decisions
from jobmatch.api.auth import caller, sign_in
from jobmatch.api.database import session
from jobmatch.api.errors import fail
from jobmatch.api.postings import by_external_id, store_posting
from jobmatch.api.schemas import MAX_TITLE, PostingInSchema
from jobmatch.api.smorest import Blueprint
from jobmatch.store.models import AtsJob, Integration, Role

SOURCE = "broadbean"
MAX_BYTES = 256 * 1024  # adverts are a few KB; descriptions are HTML, so leave room
XML_TYPES = ("application/xml", "text/xml")

blp = Blueprint("multiposters", __name__, url_prefix="/v1/multiposters", description="Multiposters' own formats.")


class BroadbeanJobSchema(Schema):
    """The elements of Broadbean's `<job>` that are read; any other child element is a custom field."""

    command = fields.String(required=True, validate=validate.OneOf(["add", "delete"]))
    username = fields.String(load_default=None)
    password = fields.String(load_default=None, metadata={
        "description": "the poster key, for boards that cannot send an Authorization header"})
    job_reference = fields.String(required=True, validate=validate.Length(min=1, max=200))
    job_title = fields.String(load_default=None, validate=validate.Length(max=MAX_TITLE))
    job_description = fields.String(load_default=None)
    short_description = fields.String(load_default=None)
    job_type = fields.String(load_default=None, validate=validate.Length(max=100))
    job_location = fields.String(load_default=None, validate=validate.Length(max=500))
    job_industry = fields.String(load_default=None)
    job_skills = fields.String(load_default=None)
    application_email = fields.String(load_default=None)
    application_url = fields.String(load_default=None)
    salary_from = fields.String(load_default=None)
    salary_to = fields.String(load_default=None)
    salary = fields.String(load_default=None)
    salary_display = fields.String(load_default=None)
    currency = fields.String(load_default=None)
    consultant_email = fields.String(load_default=None)
    days_to_advertise = fields.String(load_default=None)


class BroadbeanQuerySchema(Schema):
    job_code_field = fields.String(validate=validate.Length(min=1, max=100), metadata={
        "description": "the custom field that carries the ATS's job code (e.g. ATS_Job_Id); without it, or when "
                       "the advert leaves it empty, job_reference is the job code if it is one of the ATS's"})


class BroadbeanAnswerSchema(Schema):
    status = fields.String(metadata={"description": "ok"})
    command = fields.String()
    job_reference = fields.String()
    posting_id = fields.Integer()
    decision = fields.String()
    message = fields.String(metadata={"description": "a sentence for the recruiter in AdCourier"})


@blp.route("/broadbean", methods=["POST"])
@blp.arguments(BroadbeanQuerySchema, location="query")
@blp.doc(requestBody={"required": True, "content": {"application/xml": {"schema": BroadbeanJobSchema}}},
         security=[{"apiKey": []}, {}])
@blp.alt_response(201, schema=BroadbeanAnswerSchema, content_type="application/xml", success=True,
                  description="A new posting.")
@blp.alt_response(200, schema=BroadbeanAnswerSchema, content_type="application/xml", success=True,
                  description="The posting was updated, or withdrawn (delete).")
@blp.errors(400, 401, 403, 404, 413, 415, 422)
def broadbean(query: dict[str, Any]) -> Response:
    """Take one Broadbean advert: `add` stores or updates the posting (source broadbean, external_id =
    job_reference) and matches it, `delete` withdraws it. Authenticate with `Authorization: Bearer KEY` or,
    where the board cannot send headers, with the poster key as `<password>`."""
    job, custom = _read_job()
    header = request.headers.get("Authorization", "")
    scheme, _, key = header.partition(" ")
    sign_in(key if scheme.lower() == "bearer" and key.strip() else job["password"] or "", Role.POSTER)
    reference = job["job_reference"].strip()
    if job["command"] == "delete":
        return _delete(reference)
    fields_ = _posting_fields(job, custom, reference, query.get("job_code_field"))
    posting, status = store_posting(fields_)
    return _answer(status, "add", reference, _get(posting, "id"), _get(posting, "decision"),
                   "posted" if status == 201 else "updated")


def _read_job() -> tuple[dict[str, Any], dict[str, str]]:
    """The `<job>`'s standard fields, checked, and its custom fields by lower-case name."""
    if request.mimetype not in XML_TYPES:
        fail(415, f"send the advert as XML (Content-Type: application/xml), not {request.mimetype or 'nothing'}")
    if (request.content_length or 0) > MAX_BYTES:
        fail(413, f"the advert is larger than {MAX_BYTES // 1024} KB")
    data = request.get_data(cache=False)
    if len(data) > MAX_BYTES:
        fail(413, f"the advert is larger than {MAX_BYTES // 1024} KB")
    try:
        root = fromstring(data, forbid_dtd=True)
    except DefusedXmlException as refused:
        fail(400, f"the XML is refused: DTDs, entities and external references are not accepted ({type(refused).__name__})")
    except ParseError as error:
        fail(400, f"the XML is not well-formed: {error}")
    if root.tag != "job":
        fail(422, f"expected a <job> element, not <{root.tag}>", {"xml": {root.tag: ["not a Broadbean job"]}})
    schema = BroadbeanJobSchema()
    standard, custom = {}, {}
    for child in root:
        if not isinstance(child.tag, str):
            continue  # a comment or processing instruction
        if child.tag in schema.fields:
            standard[child.tag] = _text(child)
        else:
            custom[child.tag.lower()] = _text(child)
    try:
        job = schema.load(standard)
    except ValidationError as error:
        fail(422, "the advert is invalid; details say which elements and why", {"xml": error.normalized_messages()})
    if job["command"] == "add" and not (job["job_title"] or "").strip():
        fail(422, "an advert to add needs a job_title", {"xml": {"job_title": ["required to add an advert"]}})
    return job, custom


def _text(element: Element) -> str:
    return "".join(element.itertext()).strip()


def _posting_fields(job: dict[str, Any], custom: dict[str, str], reference: str, code_field: str | None) -> dict[str, Any]:
    """The advert as POST /v1/postings takes it, checked by the same schema. The application URL is left out:
    Broadbean's is a tracking link, not the ATS's posting URL."""
    location = job["job_location"]
    raw = {
        "source": SOURCE, "external_id": reference, "title": job["job_title"].strip(),
        "job_code": _job_code(custom, reference, code_field), "employment_type": job["job_type"] or None,
        "location": {"city": location.split(",")[0].strip() or None, "raw": location} if location else None,
    }
    try:
        return PostingInSchema().load(raw)
    except ValidationError as error:
        fail(422, "the advert is invalid; details say which elements and why", {"xml": error.normalized_messages()})


def _job_code(custom: dict[str, str], reference: str, code_field: str | None) -> str | None:
    if code_field and (code := custom.get(code_field.lower())):
        return code
    is_ats_code = session().scalar(select(exists().where(
        AtsJob.job_code == reference, AtsJob.integration_id == Integration.id,
        Integration.customer_id == caller().customer_id)))
    return reference if is_ats_code else None


def _delete(reference: str) -> Response:
    db = session()
    posting = by_external_id(db, caller().customer_id, SOURCE, reference)
    if posting is None:
        fail(404, f"no Broadbean advert with job_reference {reference} was posted")
    decisions.withdraw(posting, caller().prefix)
    db.commit()
    return _answer(200, "delete", reference, posting.id, posting.decision, "withdrawn")


def _answer(status: int, command: str, reference: str, posting_id: int, decision: str, done: str) -> Response:
    message = f"Advert {reference} {done} as posting {posting_id}; matching decision: {decision.replace('_', ' ')}."
    values = {"status": "ok", "command": command, "job_reference": reference, "posting_id": str(posting_id),
              "decision": decision, "message": message}
    root = Element("response")
    for name, value in values.items():
        child = Element(name)
        child.text = value
        root.append(child)
    return Response(tostring(root, encoding="unicode", xml_declaration=True), status=status,
                    content_type="application/xml; charset=utf-8")


def _get(posting: Any, name: str) -> Any:
    return posting[name] if isinstance(posting, dict) else getattr(posting, name)
