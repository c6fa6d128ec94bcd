"""Each Kombo job checked against Kombo's documented shape (the SDK's models) as it arrives.

What a safe coercion fixes is fixed for the columns: a number where text belongs becomes its text, a missing
nullable key reads as null. Anything else is a problem, and a job with problems is quarantined: stored with
its data and the problems beside it, out of matching and not applicable, until a later version reads cleanly.
Unknown keys and unknown values of Kombo's open enums (status, visibility, ...) are kept as sent; the enums
of nested data are closed, so an unknown value there is a problem.

Oversized values are not cut, since a cut code or title names another job: a value over its field's limit is
a problem, its column stays empty and the data keeps it whole. What PostgreSQL cannot store (NUL, a lone
surrogate, a non-finite number) is a problem too, replaced in the stored copy by U+FFFD or null.

A page is checked a field at a time over all its jobs (C loops over types, lengths and joined texts), and only
the jobs that this finds suspect are checked one by one, which names each problem: the exact check costs about
twice the JSON parsing of a job, the page check a fraction of it.
"""

import json
import math
import re
from operator import itemgetter
from dataclasses import dataclass
from datetime import datetime
from typing import Any

ID_LIMIT = 200  # the width of ats_jobs.id
TEXT_LIMIT = 1_000  # titles, codes, ids, places: several times the longest real job title
URL_LIMIT = 2_048
ENUM_LIMIT = 64  # the width of the enum columns
LONG_LIMIT = 1_000_000  # descriptions (HTML)
SHOWN = 120  # characters of a bad value kept in its problem; the data holds all of it

_NONE = type(None)
_SURROGATE = re.compile("[\ud800-\udfff]")
_KOMBO_MOMENT = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d{1,6})?(Z|[+-]\d\d:\d\d)")


@dataclass(frozen=True, slots=True)
class Problem:
    field: str  # a path into the job: "location.zip_code", "job_postings[0].url"
    value: str  # the value as JSON, cut to SHOWN characters
    problem: str

    def as_json(self) -> dict[str, str]:
        return {"field": self.field, "value": self.value, "problem": self.problem}


@dataclass(frozen=True, slots=True)
class CheckedJob:
    id: str | None  # None: the job has no usable id and cannot be stored
    data: Any  # the job as received, with what cannot be stored replaced
    values: dict[str, Any]  # the documented top-level fields, coerced; None where unusable
    problems: tuple[Problem, ...] = ()

    @property
    def quarantine(self) -> list[dict[str, str]] | None:
        """The problems as stored in ats_jobs.quarantine; None for a clean job."""
        return [problem.as_json() for problem in self.problems] or None


def check_page(jobs: list[Any]) -> list[CheckedJob]:
    """Every job of a page checked, in page order."""
    suspects = JOB.suspects(jobs)
    return [check_job(job) if position in suspects else CheckedJob(job["id"], job, job)
            for position, job in enumerate(jobs)]


def check_job(job: Any) -> CheckedJob:
    """One job checked field by field, naming every problem."""
    problems: list[Problem] = []
    data = _cleaned(job, "", problems) if _unstorable(job) else job
    values = JOB.check(data, "", problems) or {}
    same_id = data is job or isinstance(data, dict) and data.get("id") == job.get("id")  # a cleaned id names no job
    return CheckedJob(values.get("id") if same_id else None, data, values, tuple(problems))


def job_label(job: Any) -> str:
    """` (remote_id 4711, 'Lagerhelfer (m/w/d)')`: what lets a person find a job without an id in the ATS."""
    if not isinstance(job, dict):
        return f" ({shown(job)})"
    parts = []
    if job.get("remote_id") is not None:
        parts.append(f"remote_id {shown(job['remote_id'])}")
    if isinstance(job.get("name"), str):
        parts.append(repr(job["name"][:80]))
    return f" ({', '.join(parts)})" if parts else ""


def shown(value: Any) -> str:
    text = json.dumps(value, ensure_ascii=False, default=repr)
    return text if len(text) <= SHOWN else text[: SHOWN - 1] + "…"


def _unstorable(value: Any) -> bool:
    """Whether `value` holds a NUL, a lone surrogate or a non-finite number anywhere (one C serialization)."""
    try:
        text = json.dumps(value, ensure_ascii=False, allow_nan=False)
        text.encode()
        return "\\u0000" in text
    except (ValueError, UnicodeEncodeError):
        return True


def _cleaned(value: Any, path: str, problems: list[Problem]) -> Any:
    """A copy of `value` that PostgreSQL can store, each replacement named."""
    if isinstance(value, str):
        clean = _SURROGATE.sub("\ufffd", value.replace("\x00", "\ufffd"))
        if clean != value:
            problems.append(Problem(path or "(job)", shown(clean), "holds a NUL or a lone surrogate, which cannot be stored"))
        return clean
    if isinstance(value, float) and not math.isfinite(value):
        problems.append(Problem(path or "(job)", repr(value), "is not a finite number"))
        return None
    if isinstance(value, dict):
        cleaned = {}
        for key, item in value.items():
            clean_key = _cleaned(key, _join(path, "(key)"), problems) if isinstance(key, str) else key
            cleaned[clean_key] = _cleaned(item, _join(path, clean_key), problems)
        return cleaned
    if isinstance(value, list):
        return [_cleaned(item, f"{path}[{number}]", problems) for number, item in enumerate(value)]
    return value


def _join(path: str, key: Any) -> str:
    return f"{path}.{key}" if path else str(key)


def _number_text(value: int | float) -> str:
    """A number's text; an integral float (4711.0) as the integer it stands for, while a float holds it exactly."""
    if isinstance(value, float) and value.is_integer() and abs(value) < 2**53:
        return str(int(value))
    return str(value) if isinstance(value, int) else repr(value)


def _texts_storable(texts: list[str]) -> bool:
    joined = "".join(texts)
    if "\x00" in joined:
        return False
    try:
        joined.encode()  # fails on a lone surrogate
    except UnicodeEncodeError:
        return False
    return True


# --- kinds of value: `check` coerces one value and names its problems; `suspects` says, for a column of values,
# which positions `check` might find a problem in (never missing one; a false alarm only costs time) ---


class Kind:
    nullable_types: frozenset[type] = frozenset()  # types whose every value passes (beside None)

    def check(self, value: Any, path: str, problems: list[Problem]) -> Any:
        raise NotImplementedError

    def suspects(self, values: list[Any]) -> set[int]:
        if {*self.nullable_types, _NONE}.issuperset(map(type, values)):
            return set()
        return {n for n, value in enumerate(values) if value is not None and type(value) not in self.nullable_types}


@dataclass(frozen=True)
class Text(Kind):
    limit: int = TEXT_LIMIT

    def check(self, value: Any, path: str, problems: list[Problem]) -> str | None:
        if type(value) is str:
            if len(value) <= self.limit:
                return value
            problems.append(Problem(path, shown(value), f"is {len(value):,} characters long, more than {self.limit:,}"))
            return None
        if type(value) in (int, float):
            return _number_text(value)
        if value is not None:
            problems.append(Problem(path, shown(value), "must be text or null"))
        return None

    def suspects(self, values: list[Any]) -> set[int]:
        if {str, _NONE}.issuperset(map(type, values)):
            texts = list(filter(None, values))
            if not texts or max(map(len, texts)) <= self.limit and _texts_storable(texts):
                return set()
        return {n for n, value in enumerate(values) if value is not None and (
            type(value) is not str or len(value) > self.limit or not _texts_storable([value]))}


@dataclass(frozen=True)
class Id(Text):
    """An id: text that is not blank. A number is taken as its text only when whole, as a float may have lost
    digits on the way."""

    def check(self, value: Any, path: str, problems: list[Problem]) -> str | None:
        text = str(value) if type(value) is int else value
        if type(text) is not str or not text.strip() or len(text) > self.limit or not _texts_storable([text]):
            problems.append(Problem(path, shown(value), f"must be a non-empty text of at most {self.limit} characters"))
            return None
        return text

    def suspects(self, values: list[Any]) -> set[int]:
        if {str}.issuperset(map(type, values)) and max(map(len, values), default=0) <= self.limit:
            if all(map(str.strip, values)) and _texts_storable(values):
                return set()
        return {n for n, value in enumerate(values) if self.check(value, "", [])  != value}


@dataclass(frozen=True)
class OneOf(Kind):
    allowed: tuple[str, ...]

    def check(self, value: Any, path: str, problems: list[Problem]) -> str | None:
        if value is None or type(value) is str and value in self.allowed:
            return value
        problems.append(Problem(path, shown(value), f"must be one of {', '.join(self.allowed)} or null"))
        return None

    def suspects(self, values: list[Any]) -> set[int]:
        if {str, _NONE}.issuperset(map(type, values)) and set(self.allowed).union([None]).issuperset(values):
            return set()
        return {n for n, value in enumerate(values) if value is not None and (
            type(value) is not str or value not in self.allowed)}


class Number(Kind):
    def check(self, value: Any, path: str, problems: list[Problem]) -> float | None:
        if value is None or type(value) in (int, float):
            return value
        problems.append(Problem(path, shown(value), "must be a number or null"))
        return None

    def suspects(self, values: list[Any]) -> set[int]:
        if {int, float, _NONE}.issuperset(map(type, values)):
            floats = [value for value in values if type(value) is float]
            if all(map(math.isfinite, floats)):
                return set()
        return {n for n, value in enumerate(values) if value is not None and (
            type(value) not in (int, float) or not math.isfinite(value))}


class Boolean(Kind):
    nullable_types = frozenset({bool})

    def check(self, value: Any, path: str, problems: list[Problem]) -> bool | None:
        if value is None or type(value) is bool:
            return value
        problems.append(Problem(path, shown(value), "must be true, false or null"))
        return None


class Moment(Kind):
    """Kombo's `YYYY-MM-DDTHH:mm:ss.sssZ` (any ISO 8601 with an offset), read as an aware datetime."""

    def check(self, value: Any, path: str, problems: list[Problem]) -> datetime | None:
        if value is None:
            return None
        if type(value) is str and len(value) <= ENUM_LIMIT:
            try:
                parsed = datetime.fromisoformat(value)
            except ValueError:
                parsed = None
            if parsed is not None and parsed.tzinfo is not None:
                return parsed
        problems.append(Problem(path, shown(value), "must be a date and time with a time zone, like 2024-01-01T00:00:00.000Z"))
        return None

    def suspects(self, values: list[Any]) -> set[int]:
        if {str, _NONE}.issuperset(map(type, values)):
            texts = list(filter(None, values))
            if all(map(_KOMBO_MOMENT.fullmatch, texts)):
                try:
                    all(map(datetime.fromisoformat, texts))  # the pattern lets 2024-13-45 through
                    return set()
                except ValueError:
                    pass
        return {n for n, value in enumerate(values) if value is not None and self.check(value, "", []) is None}


class AnyObject(Kind):
    """An object whose content Kombo does not fix (custom_fields): kept as sent if it can be stored."""

    def check(self, value: Any, path: str, problems: list[Problem]) -> dict[str, Any] | None:
        if value is None or type(value) is dict:
            return value
        problems.append(Problem(path, shown(value), "must be an object or null"))
        return None

    def suspects(self, values: list[Any]) -> set[int]:
        return {n for n, value in enumerate(values)
                if value is not None and (type(value) is not dict or value and _unstorable(value))}


@dataclass(frozen=True)
class Fields(Kind):
    """An object with these keys, each (kind, required); a required key must be present and not null, any
    other may be missing (read as null). Keys beyond these are kept unchecked, as long as they can be stored."""

    fields: tuple[tuple[str, Kind, bool], ...]
    nullable: bool = True

    @property
    def _keys(self) -> tuple[str, ...]:
        return tuple(key for key, _, _ in self.fields)

    def check(self, value: Any, path: str, problems: list[Problem]) -> dict[str, Any] | None:
        if type(value) is not dict:
            if value is not None or not self.nullable:
                problems.append(Problem(path or "(job)", shown(value), "must be an object"))
            return None
        checked = {}
        for key, kind, required in self.fields:
            item = value.get(key)
            if item is None and required:
                problems.append(Problem(_join(path, key), "null", "is required"))
            checked[key] = None if item is None else kind.check(item, _join(path, key), problems)
        return checked

    def suspects(self, values: list[Any]) -> set[int]:
        if not {dict, _NONE}.issuperset(map(type, values)) or not self.nullable and None in values:
            return {n for n, value in enumerate(values) if type(value) is not dict} | self._in_objects(values)
        return self._in_objects(values)

    def _in_objects(self, values: list[Any]) -> set[int]:
        if {dict}.issuperset(map(type, values)):
            owners: Any = range(len(values))
            objects = values
        else:
            owners = [n for n, value in enumerate(values) if type(value) is dict]
            objects = [values[n] for n in owners]
        if not objects:
            return set()
        found: set[int] = set()
        columns, every_key = _columns(objects, self._keys)
        for (key, kind, required), column in zip(self.fields, columns):
            if required and None in column:
                found.update(owners[n] for n, item in enumerate(column) if item is None)
            found.update(owners[n] for n in kind.suspects(column))
        declared = frozenset(self._keys)
        exactly_declared = every_key and {len(declared)}.issuperset(map(len, objects))
        if not exactly_declared and not all(map(declared.issuperset, objects)):
            found.update(owner for owner, item in zip(owners, objects)
                         if not declared.issuperset(item) and _unstorable({k: v for k, v in item.items() if k not in declared}))
        return found


def _columns(objects: list[dict[str, Any]], keys: tuple[str, ...]) -> tuple[list[tuple[Any, ...]], bool]:
    """The values of each key over all objects (None where missing), and whether every object has every key:
    one C call per object, as Kombo sends nearly every key, and a slower way when one is missing."""
    get = itemgetter(*keys) if len(keys) > 1 else lambda item: (item[keys[0]],)
    try:
        return list(zip(*map(get, objects))), True
    except KeyError:
        missing = dict.fromkeys(keys)
        return list(zip(*[get(missing | item) for item in objects])), False


@dataclass(frozen=True)
class ListOf(Kind):
    item: Kind

    def check(self, value: Any, path: str, problems: list[Problem]) -> list[Any] | None:
        if type(value) is not list:
            problems.append(Problem(path, shown(value), "must be a list"))
            return None
        return [self.item.check(item, f"{path}[{number}]", problems) for number, item in enumerate(value)]

    def suspects(self, values: list[Any]) -> set[int]:
        if not {list}.issuperset(map(type, values)):
            return set(range(len(values)))
        owners = [n for n, items in enumerate(values) for _ in items]
        if not owners:
            return set()
        return {owners[n] for n in self.item.suspects([item for items in values for item in items])}


OPTIONAL, REQUIRED = False, True
_TEXT, _URL, _LONG, _ENUM, _ID = Text(), Text(URL_LIMIT), Text(LONG_LIMIT), Text(ENUM_LIMIT), Id(ID_LIMIT)


def _object(*fields: tuple[str, Kind, bool]) -> Fields:
    return Fields(fields)


def _item(*fields: tuple[str, Kind, bool]) -> Fields:
    return Fields(fields, nullable=False)


_ROLES = ("HIRING_MANAGER", "RECRUITER", "COORDINATOR", "SOURCER", "INTERVIEWER")
_FORMATS = ("TEXT", "NUMBER", "FILE", "SINGLE_SELECT", "MULTI_SELECT", "BOOLEAN", "DATE", "INFORMATION", "UNKNOWN")
LOCATION = _object(*((key, _TEXT, OPTIONAL) for key in ("city", "country", "raw", "state", "street_1", "street_2", "zip_code")))
STAGE = _item(
    ("id", _ID, REQUIRED), ("remote_id", _TEXT, OPTIONAL), ("name", _TEXT, OPTIONAL),
    ("status", OneOf(("ACTIVE", "INACTIVE")), OPTIONAL), ("custom_fields", AnyObject(), OPTIONAL),
    ("index", Number(), OPTIONAL),
)
JOB_POSTING = _item(
    ("id", _ID, REQUIRED), ("remote_id", _TEXT, OPTIONAL), ("title", _TEXT, OPTIONAL),
    ("description_html", _LONG, OPTIONAL), ("status", OneOf(("ACTIVE", "INACTIVE", "DRAFT")), OPTIONAL),
    ("visibility", OneOf(("PUBLIC", "INTERNAL", "UNLISTED")), OPTIONAL), ("url", _URL, OPTIONAL),
)
HIRING_TEAM_MEMBER = _item(
    ("id", _ID, REQUIRED), ("remote_id", _TEXT, OPTIONAL), ("first_name", _TEXT, OPTIONAL),
    ("last_name", _TEXT, OPTIONAL), ("email", _TEXT, OPTIONAL),
    ("hiring_team_roles", ListOf(OneOf(_ROLES)), OPTIONAL),
    ("job_roles", ListOf(_item(
        ("remote_id", _TEXT, OPTIONAL), ("remote_label", _TEXT, OPTIONAL),
        ("unified_type", OneOf((*_ROLES, "ADMIN")), OPTIONAL), ("scope", OneOf(("JOB",)), OPTIONAL),
    )), OPTIONAL),
)
SCREENING_QUESTION = _item(
    ("id", _ID, REQUIRED), ("remote_id", _TEXT, OPTIONAL), ("title", _LONG, OPTIONAL),
    ("description", _LONG, OPTIONAL), ("category", OneOf(("EEO", "DEMOGRAPHIC")), OPTIONAL),
    ("required", Boolean(), OPTIONAL), ("format", _object(("type", OneOf(_FORMATS), REQUIRED)), OPTIONAL),
    ("index", Number(), OPTIONAL),
)
JOB = _item(
    ("id", _ID, REQUIRED), ("remote_id", _TEXT, REQUIRED),
    ("name", _TEXT, OPTIONAL), ("job_code", _TEXT, OPTIONAL), ("description", _LONG, OPTIONAL),
    ("confidential", Boolean(), OPTIONAL), ("weekly_hours", Number(), OPTIONAL), ("category", _TEXT, OPTIONAL),
    ("department", _TEXT, OPTIONAL), ("post_url", _URL, OPTIONAL), ("experience_level", _TEXT, OPTIONAL),
    ("salary_amount", Number(), OPTIONAL), ("salary_amount_from", Number(), OPTIONAL),
    ("salary_amount_to", Number(), OPTIONAL), ("salary_currency", _TEXT, OPTIONAL),
    ("custom_fields", AnyObject(), OPTIONAL), ("remote_url", _URL, OPTIONAL),
    ("opened_at", Moment(), OPTIONAL), ("closed_at", Moment(), OPTIONAL), ("remote_created_at", Moment(), OPTIONAL),
    ("remote_updated_at", Moment(), OPTIONAL), ("contact_id", _TEXT, OPTIONAL), ("changed_at", Moment(), REQUIRED),
    ("remote_deleted_at", Moment(), OPTIONAL),
    # open enums: any text is kept
    ("employment_type", _ENUM, OPTIONAL), ("status", _ENUM, OPTIONAL), ("visibility", _ENUM, OPTIONAL),
    ("remote_work_status", _ENUM, OPTIONAL), ("salary_period", _ENUM, OPTIONAL),
    ("location", LOCATION, OPTIONAL),
    ("stages", ListOf(STAGE), REQUIRED), ("screening_questions", ListOf(SCREENING_QUESTION), REQUIRED),
    ("job_postings", ListOf(JOB_POSTING), REQUIRED), ("hiring_team", ListOf(HIRING_TEAM_MEMBER), REQUIRED),
)
