"""Request and response shapes; the OpenAPI document is generated from them. Unknown fields are rejected
(marshmallow's default, RAISE), and every text has a length limit."""

from typing import Any

from marshmallow import Schema, ValidationError, fields, validate

from jobmatch.api.deactivation import deactivation, not_applicable
from jobmatch.api.review_queue import BUCKETS
from jobmatch.matcher.applicability import REASONS
from jobmatch.store.models import Posting, PostingDecision
from jobmatch.sync.kombo import JOB_STATUSES

MAX_TITLE = 500
MAX_TEXT = 2000


def _not_blank(value: str) -> None:
    if not value.strip():
        raise ValidationError("must not be blank")


# PostgreSQL text cannot hold NUL; as a pattern, the OpenAPI document says so too
_no_nul = validate.Regexp(r"^[^\x00]*$", error="must not contain NUL characters")


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
    active = fields.Boolean(metadata={"description": "false when the job takes no applications (see not_applicable)"})
    weak = fields.Boolean(dump_default=False, metadata={
        "description": "a weak suggestion, below what is plausible: the posting stays no_match"})


class EventSchema(Schema):
    action = fields.String(
        metadata={"description": "auto_linked, linked, rejected, unlinked, withdrawn, rematched or undone"}
    )
    job_id = fields.String(allow_none=True)
    actor = fields.String(metadata={"description": "the API key prefix, or 'system'"})
    actor_name = fields.String(allow_none=True, metadata={"description": "the name of the key's holder, if it has one"})
    reason = fields.String(allow_none=True)
    at = fields.DateTime()


class DeactivationSchema(Schema):
    reason = fields.String(metadata={"description": ", ".join(REASONS)})
    since = fields.DateTime(allow_none=True)


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
    version = fields.Integer(metadata={"description": "raised by every change; the ETag, for If-Match on decisions"})
    deactivated_in_ats = fields.Method("_deactivated_in_ats", metadata={
        "type": "object", "nullable": True,
        "properties": {"reason": {"type": "string", "enum": list(REASONS)},
                       "since": {"type": "string", "format": "date-time", "nullable": True}},
        "description": "set when the linked ATS job takes no applications: closed, archived, draft, deleted, "
                       "of a status not known yet, quarantined, or not public while the customer takes "
                       "applications for public jobs only; null otherwise",
    })
    can_apply = fields.Method("_can_apply", metadata={
        "type": "boolean", "description": "true when the posting is linked to a job that takes applications",
    })

    def _deactivated_in_ats(self, posting: Posting | dict[str, Any]) -> dict[str, Any] | None:
        if isinstance(posting, dict):  # a new posting, answered from the values just stored
            return posting["deactivated_in_ats"]
        job = posting.linked_job
        state = deactivation(job) if job is not None else None
        return None if state is None else DeactivationSchema().dump(state)

    def _can_apply(self, posting: Posting | dict[str, Any]) -> bool:
        if isinstance(posting, dict):
            return posting["can_apply"]
        job = posting.linked_job
        return job is not None and deactivation(job) is None


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
    deactivated = fields.Boolean(metadata={"description": "linked to a job that takes no applications"})
    cursor = fields.String(validate=[validate.Length(max=100), _no_nul])
    limit = fields.Integer(load_default=50, validate=validate.Range(min=1, max=200))


class LinkSchema(Schema):
    job_id = _required_text(200)


class RejectSchema(Schema):
    job_id = fields.String(load_default=None, validate=[validate.Length(min=1, max=200), _no_nul])
    reason = _text(1000)


MAX_SKIPPED = 100


class NextSchema(Schema):
    """Which postings the next one is taken from: the queue's bucket and source, and which to leave for last."""

    decision = fields.String(load_default=None, validate=validate.OneOf(list(BUCKETS)),
                             metadata={"description": "without it: needs_review and no_match"})
    source = fields.String(load_default=None, validate=[validate.Length(min=1, max=64), _no_nul])
    skipped = fields.List(fields.Integer(validate=validate.Range(min=1, max=2**31 - 1)), load_default=list,
                          validate=validate.Length(max=MAX_SKIPPED),
                          metadata={"description": "postings the reviewer skipped: taken only when no other waits"})


class ErrorDetailSchema(Schema):
    code = fields.String(metadata={"description": "the HTTP status as a word, like not_found"})
    message = fields.String()
    details = fields.Dict(metadata={"description": "for invalid input: the errors of each field, by location"})


class ErrorSchema(Schema):
    """The one shape of every error answer."""

    error = fields.Nested(ErrorDetailSchema)


class QuarantineProblemSchema(Schema):
    field = fields.String(metadata={"description": "where in the job: location.zip_code, job_postings[0].url, ..."})
    value = fields.String(metadata={"description": "the value as JSON, cut to 120 characters"})
    problem = fields.String()


class AtsJobSchema(Schema):
    id = fields.String()
    name = fields.String(allow_none=True)
    job_code = fields.String(allow_none=True)
    remote_id = fields.String(allow_none=True)
    post_url = fields.String(allow_none=True)
    status = fields.String(allow_none=True, metadata={"description": "as the ATS says: OPEN, CLOSED, DRAFT, ..."})
    location = fields.Function(lambda job: {"city": job.location_city, "zip_code": job.location_zip_code,
                                            "country": job.location_country, "raw": job.location_raw})
    department = fields.String(allow_none=True)
    employment_type = fields.String(allow_none=True)
    visibility = fields.String(allow_none=True, metadata={"description": "as the ATS says: PUBLIC, INTERNAL, ..."})
    exposed = fields.Boolean(metadata={"description": "the customer lets matching use this job"})
    active = fields.Function(lambda job: not_applicable(job) is None,
                             metadata={"type": "boolean", "description": "the job takes applications"})
    not_applicable = fields.Function(not_applicable, metadata={
        "type": "string", "nullable": True, "description": f"why the job takes no applications: {', '.join(REASONS)}"})
    quarantine = fields.List(fields.Nested(QuarantineProblemSchema), allow_none=True, metadata={
        "description": "why the job's data could not be read safely, keeping it out of matching; null when clean"})
    remote_deleted_at = fields.DateTime(allow_none=True)


class AtsJobHitSchema(AtsJobSchema):
    score = fields.Float(allow_none=True, dump_default=None,
                         metadata={"description": "how well the job answers `q`; null without q, and for a "
                                                    "job found only because its title or an id contains q"})


class JobChangeSchema(Schema):
    field = fields.String()
    old_value = fields.Raw(allow_none=True)
    new_value = fields.Raw(allow_none=True)
    changed_at = fields.DateTime()
    sync_run_id = fields.Integer()


class AtsJobDetailSchema(AtsJobSchema):
    changes = fields.List(fields.Nested(JobChangeSchema),
                          metadata={"description": "what syncs changed in the job, newest first (at most 500)"})


class AtsJobPageSchema(Schema):
    items = fields.List(fields.Nested(AtsJobHitSchema))
    next_cursor = fields.String(allow_none=True, metadata={"description": "pass as `cursor` for the next page"})


class AtsJobQuerySchema(Schema):
    q = fields.String(validate=[validate.Length(min=1, max=MAX_TITLE), _not_blank, _no_nul],
                      metadata={"description": "title words, a job code, a remote id or a post URL; best first"})
    job_code = fields.String(validate=[validate.Length(min=1, max=200), _no_nul])
    remote_id = fields.String(validate=[validate.Length(min=1, max=200), _no_nul])
    post_url = fields.String(validate=[validate.Length(min=1, max=MAX_TEXT), _no_nul])
    status = fields.String(validate=[validate.Length(min=1, max=64), _no_nul])
    exposed = fields.Boolean()
    cursor = fields.String(validate=[validate.Length(max=300), _no_nul],
                           metadata={"description": "pages the list without q; a search answers at once"})
    limit = fields.Integer(load_default=50, validate=validate.Range(min=1, max=200))


class ExposeSchema(Schema):
    exposed = fields.Boolean(required=True)


MAX_BULK_EXPOSE = 1000


class BulkExposeSchema(ExposeSchema):
    ids = fields.List(fields.String(validate=[validate.Length(min=1, max=200), _no_nul]), required=True,
                      validate=validate.Length(min=1, max=MAX_BULK_EXPOSE))


class BulkExposeResultSchema(Schema):
    exposed = fields.Boolean()
    jobs = fields.Integer(metadata={"description": "distinct jobs named"})
    changed = fields.Integer(metadata={"description": "of those, the jobs whose `exposed` changed"})


class CustomerSchema(Schema):
    slug = fields.String(dump_only=True)
    name = fields.String(dump_only=True)
    match_exposed_only = fields.Boolean(
        metadata={"description": "matching offers only the jobs the customer exposed"})


    only_public_jobs_applicable = fields.Boolean(
        metadata={"description": "only PUBLIC jobs take applications: others are never linked automatically and "
                                 "their postings have can_apply false"})


class CustomerPatchSchema(Schema):
    match_exposed_only = fields.Boolean()
    only_public_jobs_applicable = fields.Boolean()


MAX_BATCH = 500


class PostingBatchInSchema(Schema):
    """Each posting is checked on its own (PostingInSchema), so that one bad posting fails alone."""

    postings = fields.List(fields.Raw(allow_none=True,  # null, like any item, fails alone
                                      metadata={"description": "a posting as POST /v1/postings takes it"}),
                           required=True, validate=validate.Length(min=1, max=MAX_BATCH))


class PostingBatchItemSchema(Schema):
    status = fields.Integer(metadata={"description": "201 new, 200 known already, 422 invalid"})
    posting = fields.Nested(PostingSchema, allow_none=True)
    errors = fields.Dict(allow_none=True, metadata={"description": "for 422: the errors of each field"})


class PostingBatchResultSchema(Schema):
    results = fields.List(fields.Nested(PostingBatchItemSchema), metadata={"description": "in request order"})


class WebhookAnswerSchema(Schema):
    outcome = fields.String(metadata={"description": "duplicate, sync_requested, recorded or ignored"})
    sync_queued = fields.Boolean(metadata={"description": "false when a queued sync already covers this webhook"})


class SyncRunSchema(Schema):
    kind = fields.String(metadata={"description": "full, incremental or targeted"})
    outcome = fields.String(metadata={"description": "running, succeeded, failed, waiting or abandoned"})
    pages = fields.Integer()
    jobs_created = fields.Integer()
    jobs_updated = fields.Integer()
    jobs_deleted = fields.Integer()
    jobs_unchanged = fields.Integer()
    jobs_vanished = fields.Integer(metadata={"description": "full reads: jobs no longer returned, marked vanished"})
    jobs_restored = fields.Integer(metadata={"description": "vanished jobs returned again"})
    jobs_quarantined = fields.Integer(metadata={"description": "jobs stored quarantined: see the integration's "
                                                               "quarantined jobs"})
    jobs_without_id = fields.Integer(metadata={"description": "jobs without a usable id: not stored, logged"})
    started_at = fields.DateTime()
    finished_at = fields.DateTime(allow_none=True)
    error_code = fields.String(allow_none=True)
    error = fields.String(allow_none=True)


class JobCountsSchema(Schema):
    total = fields.Integer()
    active = fields.Integer(metadata={"description": "taking applications"})
    quarantined = fields.Integer(metadata={"description": "kept out of matching: their data could not be read"})


class IntegrationSchema(Schema):
    id = fields.String()
    tool = fields.String()
    state = fields.String(
        metadata={"description": "waiting_for_first_sync, ready, failing (last run failed) or needs_customer_action"}
    )
    action = fields.String(allow_none=True, metadata={"description": "what to do about the state; null when ready"})
    kombo_sync_state = fields.String(allow_none=True, metadata={"description": "Kombo's last sync-finished state"})
    sync_queued = fields.Boolean()
    watermark = fields.DateTime(allow_none=True, metadata={"description": "start of the last complete read"})
    last_run = fields.Nested(SyncRunSchema, allow_none=True)
    jobs = fields.Nested(JobCountsSchema)
    statuses = fields.List(
        fields.String(), allow_none=True, metadata={"description": "the job statuses read; null: every status"}
    )


class IntegrationPatchSchema(Schema):
    statuses = fields.List(
        fields.String(validate=validate.OneOf(JOB_STATUSES)),
        required=True,
        allow_none=True,
        validate=validate.Length(min=1),
        metadata={"description": f"some of {', '.join(JOB_STATUSES)}; null reads every status (the default)"},
    )


class IntegrationListSchema(Schema):
    items = fields.List(fields.Nested(IntegrationSchema))


class SyncRequestAnswerSchema(Schema):
    integration_id = fields.String()
    queued = fields.Boolean(metadata={"description": "false when this request joined a sync already queued"})
    message = fields.String()


class QuarantinedJobSchema(Schema):
    id = fields.String()
    remote_id = fields.String(allow_none=True)
    name = fields.Function(lambda job: job.name[:200] if job.name else job.name, metadata={"type": "string",
                                                                                            "nullable": True})
    quarantined_at = fields.DateTime()
    last_synced_at = fields.DateTime()
    quarantine = fields.List(fields.Nested(QuarantineProblemSchema))


class QuarantinedJobPageSchema(Schema):
    items = fields.List(fields.Nested(QuarantinedJobSchema))
    next_cursor = fields.String(allow_none=True, metadata={"description": "pass as `cursor` for the next page"})


class QuarantineQuerySchema(Schema):
    cursor = fields.String(validate=[validate.Length(max=300), _no_nul])
    limit = fields.Integer(load_default=50, validate=validate.Range(min=1, max=200))
