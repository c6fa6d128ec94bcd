"""Indeed's XML job feed, read as a stream: `<source>` with one `<job>` per posting. Each job is handed on as it
ends and then dropped, so memory stays flat however many jobs the feed holds. A document that is not
well-formed, ends early, or carries a DTD raises FeedBroken: the caller must not take it as the complete list.
"""

import io
from collections.abc import Iterable, Iterator
from typing import Any
from xml.etree.ElementTree import Element, ParseError

from defusedxml import DefusedXmlException
from defusedxml.ElementTree import iterparse

FIELDS = ("title", "referencenumber", "requisitionid", "url", "company", "city", "state", "country", "postalcode",
          "description", "jobtype")


class FeedBroken(ValueError):
    """The feed is not a complete, well-formed Indeed feed; the message says where it broke."""


def jobs(chunks: Iterable[bytes]) -> Iterator[dict[str, str]]:
    """Each `<job>` of the feed as {field: text} (the fields above that it has), in document order."""
    events = iterparse(_Reader(iter(chunks)), events=("start", "end"), forbid_dtd=True)
    root: Element | None = None
    try:
        for event, element in events:
            if root is None:
                root = element
                if root.tag != "source":
                    raise FeedBroken(f"an Indeed feed starts with <source>, not <{root.tag}>")
                continue
            if event == "end" and element.tag == "job":
                yield {child.tag: "".join(child.itertext()).strip() for child in element if child.tag in FIELDS}
                root.clear()  # the job and everything before it: nothing accumulates
    except ParseError as error:
        raise FeedBroken(f"the feed is not well-formed or ends early: {error}") from None
    except DefusedXmlException as refused:
        raise FeedBroken(f"the feed carries a DTD, entities or external references ({type(refused).__name__})") from None
    if root is None:
        raise FeedBroken("the feed is empty")


def posting_fields(job: dict[str, str], source: str) -> dict[str, Any]:
    """A feed job as POST /v1/postings takes it (unchecked): referencenumber identifies it, requisitionid is
    the ATS's job code, url the posting's URL."""
    place = [job.get(name) for name in ("city", "state", "country")]
    location = {"city": job.get("city") or None, "zip_code": job.get("postalcode") or None,
                "country": job.get("country") or None, "raw": ", ".join(p for p in place if p) or None}
    return {
        "source": source, "external_id": job.get("referencenumber", ""), "title": job.get("title", ""),
        "job_code": job.get("requisitionid") or None, "post_url": job.get("url") or None,
        "employment_type": job.get("jobtype") or None,
        "location": location if any(location.values()) else None,
    }


class _Reader(io.RawIOBase):
    """A file over an iterator of byte chunks, for the parser to pull from."""

    def __init__(self, chunks: Iterator[bytes]) -> None:
        self._chunks, self._pending = chunks, b""

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        while not self._pending:
            try:
                self._pending = next(self._chunks)
            except StopIteration:
                return 0
        size = min(len(buffer), len(self._pending))
        buffer[:size], self._pending = self._pending[:size], self._pending[size:]
        return size
