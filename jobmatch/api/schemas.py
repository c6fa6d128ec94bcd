"""Request and response shapes; the OpenAPI document is generated from them. Unknown fields are rejected
(marshmallow's default, RAISE), and every text has a length limit."""

from marshmallow import Schema, ValidationError, fields, validate

from jobmatch.store.models import PostingDecision

MAX_TITLE = 500
MAX_TEXT = 2000


def _not_blank(value: str) -> None:
    if not value.strip():
        raise ValidationError("must not be blank")


def _no_nul(value: str) -> None:
    if "\x00" in value:  # PostgreSQL text cannot hold it
        raise ValidationError("must not contain NUL characters")


def _text(max_length: int = MAX_TEXT) -> fields.String:
    """An optional text, null when absent."""
    return fields.String(load_default=None, allow_none=True, validate=[validate.Length(max=max_length), _no_nul])


def _required_text(max_length: int) -> fields.String:
    return fields.String(required=True, validate=[validate.Length(min=1, max=max_length), _not_blank, _no_nul])


class LocationSchema(Schema):
    city = _text(200)
    zip_code = _text(20)
    country = _text(100)
    raw = _text(500)


class PostingInSchema(Schema):
    """A posting as a multiposter or back office sends it; (source, external_id) identify it for the caller."""

    external_id = _required_text(200)
    source = _required_text(64)
    title = _required_text(MAX_TITLE)
    job_code = _text(200)
    remote_id = _text(200)
    post_url = _text()
    location = fields.Nested(LocationSchema, load_default=None, allow_none=True)
    department = _text(500)
    employment_type = _text(100)


class CandidateSchema(Schema):
    job_id = fields.String()
    rank = fields.Integer()
    score = fields.Float()
    method = fields.String(metadata={"description": "job_code, remote_id, post_url or title"})
    reasons = fields.List(fields.String())
    active = fields.Boolean(metadata={"description": "false when the job is closed, archived or deleted"})


class EventSchema(Schema):
    action = fields.String(
        metadata={"description": "auto_linked, linked, rejected, unlinked, withdrawn or rematched"}
    )
    job_id = fields.String(allow_none=True)
    actor = fields.String(metadata={"description": "the API key prefix, or 'system'"})
    reason = fields.String(allow_none=True)
    at = fields.DateTime()


class PostingSummarySchema(Schema):
    id = fields.Integer()
    external_id = fields.String()
    source = fields.String()
    title = fields.String()
    job_code = fields.String(allow_none=True)
    remote_id = fields.String(allow_none=True)
    post_url = fields.String(allow_none=True)
    location = fields.Nested(LocationSchema, allow_none=True)
    department = fields.String(allow_none=True)
    employment_type = fields.String(allow_none=True)
    decision = fields.String(metadata={"description": ", ".join(PostingDecision.ALL)})
    linked_job_id = fields.String(allow_none=True)
    link_method = fields.String(
        allow_none=True, metadata={"description": "the matcher's method of an automatic link, or 'reviewer'"}
    )
    link_evidence = fields.List(fields.String(), allow_none=True)
    withdrawn_at = fields.DateTime(allow_none=True)
    created_at = fields.DateTime()
    updated_at = fields.DateTime()


class PostingSchema(PostingSummarySchema):
    candidates = fields.List(fields.Nested(CandidateSchema))
    history = fields.List(fields.Nested(EventSchema), attribute="events")


class PostingPageSchema(Schema):
    items = fields.List(fields.Nested(PostingSummarySchema))
    next_cursor = fields.String(allow_none=True, metadata={"description": "pass as `cursor` for the next page"})


class PostingQuerySchema(Schema):
    decision = fields.String(validate=validate.OneOf(PostingDecision.ALL))
    linked = fields.Boolean()
    withdrawn = fields.Boolean()
    cursor = fields.String(validate=[validate.Length(max=100), _no_nul])
    limit = fields.Integer(load_default=50, validate=validate.Range(min=1, max=200))


class LinkSchema(Schema):
    job_id = _required_text(200)


class RejectSchema(Schema):
    job_id = fields.String(load_default=None, validate=[validate.Length(min=1, max=200), _no_nul])
    reason = _text(1000)


class ErrorDetailSchema(Schema):
    code = fields.String(metadata={"description": "the HTTP status as a word, like not_found"})
    message = fields.String()
    details = fields.Dict(metadata={"description": "for invalid input: the errors of each field, by location"})


class ErrorSchema(Schema):
    """The one shape of every error answer."""

    error = fields.Nested(ErrorDetailSchema)
