"""What a reviewer typed into a search box, bounded."""

from typing import Any

MAX_QUERY_CHARS = 200


def query_text(values: Any) -> str:
    return (values.get("q") or "").strip()[:MAX_QUERY_CHARS]
