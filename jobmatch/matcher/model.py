"""What the matcher takes and gives: postings in, ranked candidates and a decision out."""

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Literal

Decision = Literal["auto_linked", "needs_review", "no_match"]
Method = Literal["job_code", "remote_id", "post_url", "title", "wording", "alias"]

_LOCATION_KEYS = ("city", "zip_code", "country", "raw")
_POSTING_KEYS = ("title", "job_code", "remote_id", "post_url", "department", "employment_type")
_POSTING_EXTRA_KEYS = ("external_id", "source", "location")


def _optional_text(data: Mapping[str, Any], key: str, where: str) -> str | None:
    value = data.get(key)
    if value is None or isinstance(value, str):
        return value
    raise ValueError(f"{where}.{key} must be a string or null, not {type(value).__name__}")


@dataclass(frozen=True, slots=True)
class Location:
    city: str | None = None
    zip_code: str | None = None
    country: str | None = None
    raw: str | None = None

    @classmethod
    def from_dict(cls, data: Any, where: str = "location") -> "Location":
        if not isinstance(data, Mapping):
            raise ValueError(f"{where} must be an object or null, not {type(data).__name__}")
        unknown = sorted(set(data) - set(_LOCATION_KEYS))
        if unknown:
            raise ValueError(f"{where} has unknown keys: {', '.join(unknown)}")
        return cls(**{key: _optional_text(data, key, where) for key in _LOCATION_KEYS})


@dataclass(frozen=True, slots=True)
class Posting:
    """A job from a multiposter or the back office, to be linked to one ATS job."""

    title: str
    job_code: str | None = None
    remote_id: str | None = None
    post_url: str | None = None
    location: Location | None = None
    department: str | None = None
    employment_type: str | None = None

    @classmethod
    def from_dict(cls, data: Any) -> "Posting":
        """A posting from one POSTINGS.jsonl object; `external_id` and `source` belong to the caller."""
        if not isinstance(data, Mapping):
            raise ValueError(f"posting must be an object, not {type(data).__name__}")
        unknown = sorted(set(data) - set(_POSTING_KEYS) - set(_POSTING_EXTRA_KEYS))
        if unknown:
            raise ValueError(f"posting has unknown keys: {', '.join(unknown)}")
        fields = {key: _optional_text(data, key, "posting") for key in _POSTING_KEYS}
        if not fields["title"] or not fields["title"].strip():
            raise ValueError("posting.title is required and must not be empty")
        location = data.get("location")
        return cls(**fields, location=None if location is None else Location.from_dict(location, "posting.location"))


@dataclass(frozen=True, slots=True)
class Alias:
    """A reviewer's verdict for a posting, remembered for later postings of the customer with the same title
    (`title_key`): the job they linked it to (`linked`), or rejected for it."""

    job_id: str
    posting_id: int
    linked: bool


@dataclass(frozen=True, slots=True)
class Candidate:
    """An ATS job suggested for a posting, with the evidence a reviewer needs to judge it."""

    job_id: str
    score: float
    method: Method
    reasons: tuple[str, ...]
    active: bool
    weak: bool = False  # a suggestion below what is plausible: shown, but the posting is still a no_match

    def to_dict(self) -> dict[str, Any]:
        return {"job_id": self.job_id, "score": self.score, "method": self.method, "reasons": list(self.reasons),
                "weak": self.weak}


@dataclass(frozen=True, slots=True)
class MatchResult:
    decision: Decision
    candidates: list[Candidate]

    @property
    def best(self) -> Candidate | None:
        return self.candidates[0] if self.candidates else None
