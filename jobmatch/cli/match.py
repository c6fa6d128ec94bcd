"""`jobmatch match-file`: match a backlog of postings against a file of ATS jobs, for users and for evaluation."""

import json
from typing import IO, Any

import click

from jobmatch.matcher import JobIndex, Posting
from jobmatch.sync.validation import check_job


def _read_jsonl(stream: IO[str], name: str) -> list[tuple[int, dict[str, Any]]]:
    rows = []
    for number, line in enumerate(stream, start=1):
        if not line.strip():
            continue
        try:
            value = json.loads(line)
        except json.JSONDecodeError as exc:
            raise click.ClickException(f"{name} line {number}: not JSON ({exc.msg})") from None
        if not isinstance(value, dict):
            raise click.ClickException(f"{name} line {number}: expected an object, got {type(value).__name__}")
        rows.append((number, value))
    return rows


@click.command("match-file")
@click.option("--jobs", "jobs_file", type=click.File("r", encoding="utf-8"), required=True,
              help="JOBS.jsonl: one Kombo job per line, as GET /v1/ats/jobs returns it in data.results.")
@click.option("--postings", "postings_file", type=click.File("r", encoding="utf-8"), required=True,
              help="POSTINGS.jsonl: one posting per line (external_id and title required).")
@click.option("--limit", type=click.IntRange(min=1), default=5, show_default=True, help="Candidates per posting.")
def match_file(jobs_file: IO[str], postings_file: IO[str], limit: int) -> None:
    """Write one JSON line per posting, in input order: its decision and candidates, best first.

    Every line of both files is checked before anything is written, so a bad line leaves stdout empty.
    """
    jobs = _read_jsonl(jobs_file, "jobs")
    for number, job in jobs:
        checked = check_job(job)  # as a sync checks every job it stores
        if checked.problems:
            problems = "; ".join(f"{p.field} {p.problem} (got {p.value})" for p in checked.problems[:3])
            raise click.ClickException(f"jobs line {number}: {problems}")
    index = JobIndex(job for _, job in jobs)
    postings = []
    for number, row in _read_jsonl(postings_file, "postings"):
        external_id = row.get("external_id")
        if not isinstance(external_id, str | int) or external_id == "":
            raise click.ClickException(f"postings line {number}: external_id is required (a string or number)")
        try:
            postings.append((external_id, Posting.from_dict(row)))
        except ValueError as exc:
            raise click.ClickException(f"postings line {number}: {exc}") from None
    for external_id, posting in postings:
        result = index.match(posting, limit=limit)
        click.echo(json.dumps({"external_id": external_id, "decision": result.decision,
                               "candidates": [c.to_dict() for c in result.candidates]}, ensure_ascii=False))
