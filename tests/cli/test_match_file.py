import json

from click.testing import CliRunner

from jobmatch.cli.match import match_file
from jobmatch.fixtures.kombo_jobs import kombo_job

JOBS = [
    kombo_job("job-a", "101", "Lagermitarbeiter (m/w/d)", job_code="REQ-00001", city="Bamberg", zip_code="96047"),
    kombo_job("job-b", "102", "Buchhalter (m/w/d)", job_code="REQ-00002", city="Erlangen", zip_code="91052"),
]


def run(tmp_path, postings: list[str], *args: str):
    jobs = tmp_path / "jobs.jsonl"
    jobs.write_text("".join(json.dumps(job) + "\n" for job in JOBS), encoding="utf-8")
    postings_file = tmp_path / "postings.jsonl"
    postings_file.write_text("".join(line + "\n" for line in postings), encoding="utf-8")
    return CliRunner().invoke(match_file, ["--jobs", str(jobs), "--postings", str(postings_file), *args])


def test_writes_one_line_per_posting_in_input_order(tmp_path):
    result = run(tmp_path, [
        json.dumps({"external_id": "p1", "title": "Buchhalter:in", "job_code": "req-00002"}),
        json.dumps({"external_id": "p2", "title": "Lager Mitarbeiter (w/m/d)", "location": {"city": "Bamberg"}}),
        json.dumps({"external_id": 3, "title": "Astronaut (m/w/d)"}),
    ], "--limit", "1")
    assert result.exit_code == 0, result.output
    lines = [json.loads(line) for line in result.output.splitlines()]
    assert [line["external_id"] for line in lines] == ["p1", "p2", 3]
    assert [line["decision"] for line in lines] == ["auto_linked", "needs_review", "no_match"]
    assert lines[0]["candidates"][0]["job_id"] == "job-b"
    assert lines[0]["candidates"][0]["method"] == "job_code"
    assert len(lines[1]["candidates"]) == 1 and lines[1]["candidates"][0]["job_id"] == "job-a"
    assert set(lines[1]["candidates"][0]) == {"job_id", "score", "method", "reasons", "weak"}


def test_a_bad_line_names_its_number_and_writes_nothing(tmp_path):
    result = run(tmp_path, [
        json.dumps({"external_id": "p1", "title": "Buchhalter"}),
        json.dumps({"external_id": "p2", "title": "Lager", "location": {"city": 5}}),
    ])
    assert result.exit_code != 0
    assert "postings line 2" in result.output and "location.city" in result.output
    assert '"decision"' not in result.output


def test_invalid_json_is_reported_with_its_line(tmp_path):
    result = run(tmp_path, [json.dumps({"external_id": "p1", "title": "Buchhalter"}), "{not json"])
    assert result.exit_code != 0 and "postings line 2: not JSON" in result.output


def test_a_posting_without_title_is_rejected(tmp_path):
    result = run(tmp_path, [json.dumps({"external_id": "p1", "title": "  "})])
    assert result.exit_code != 0 and "postings line 1: posting.title is required" in result.output
