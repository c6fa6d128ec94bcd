"""Match quality on the labelled set, per category and part (tuning / reporting), for the matcher and two naive
baselines side by side.

Baselines, the simple ways a competent engineer would start:
- `fuzzy`: rapidfuzz `process.extract` with `token_sort_ratio` (word order free) over the job names, each
  preprocessed once (`utils.default_process`); candidates at >= 80, never an automatic link. (WRatio, the other
  usual choice, calls more unrelated postings plausible (docs/matching.md) and took 60 times as long as the
  plain Indel ratio on the ESCO set, benchmarks/match_worded.py.)
- `naive`: identifiers as raw strings (job code, remote id, post URL equal as written) auto-link when they pin
  exactly one job; otherwise `fuzzy`'s candidates; a title never auto-links.

Thresholds are chosen on the tuning part (`--sweep`); docs/matching.md reports the reporting part.

    .venv/bin/python benchmarks/match_quality.py                 # matcher and baselines, both parts
    .venv/bin/python benchmarks/match_quality.py --sweep [NAME]  # thresholds measured on the tuning part
    .venv/bin/python benchmarks/match_quality.py --misses        # the tuning part's misses, to find rules on
"""

import argparse
import json
import time
from collections import defaultdict
from functools import lru_cache
from collections.abc import Callable, Iterable
from typing import Any

from rapidfuzz import fuzz, process, utils

from jobmatch.fixtures.labelled import REPORTING, TUNING, LabelledCase, labelled_set
from jobmatch.matcher import JobIndex, Posting, matching, scoring
from jobmatch.matcher import index as index_module

Outcome = tuple[str, list[str], str | None]  # decision, candidate job ids best first, the auto-linked job's method
_TITLE_METHODS = ("title", "wording", "alias")


def matcher(index: JobIndex) -> Callable[[dict[str, Any]], Outcome]:
    def run(posting: dict[str, Any]) -> Outcome:
        result = index.match(Posting.from_dict(posting))
        method = result.candidates[0].method if result.decision == "auto_linked" else None
        return result.decision, [c.job_id for c in result.candidates], method
    return run


def fuzzy(jobs: list[dict[str, Any]]) -> Callable[[dict[str, Any]], Outcome]:
    names = [utils.default_process(job["name"] or "") for job in jobs]  # preprocessed once, not per query
    ids = [job["id"] for job in jobs]

    @lru_cache(maxsize=None)  # `naive` asks again for the same titles
    def run_title(title: str) -> Outcome:
        found = process.extract(utils.default_process(title), names, scorer=fuzz.token_sort_ratio, processor=None,
                                limit=5, score_cutoff=80)
        return ("needs_review" if found else "no_match"), [ids[i] for _, _, i in found], None
    return lambda posting: run_title(posting["title"])


def naive(jobs: list[dict[str, Any]], titles: Callable[[dict[str, Any]], Outcome]) -> Callable[[dict[str, Any]], Outcome]:
    by_key: dict[tuple[str, str], list[str]] = defaultdict(list)
    for job in jobs:
        for field in ("job_code", "remote_id", "post_url"):
            if job[field]:
                by_key[(field, job[field])].append(job["id"])

    def run(posting: dict[str, Any]) -> Outcome:
        pinned = {job_id for field in ("job_code", "remote_id", "post_url") if posting.get(field)
                  for job_id in by_key.get((field, posting[field]), ())}
        decision, ids, _ = titles(posting)
        if len(pinned) == 1:
            (job_id,) = pinned
            return "auto_linked", [job_id, *(i for i in ids if i != job_id)], "identifier"
        return ("needs_review" if pinned or ids else "no_match"), [*sorted(pinned), *ids], None
    return run


def evaluate(cases: Iterable[LabelledCase], run: Callable[[dict[str, Any]], Outcome]) -> dict[str, Any]:
    counts: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for case in cases:
        decision, ids, method = run(case.posting)
        c = counts[case.category]
        c["n"] += 1
        c["top1"] += bool(ids) and ids[0] == case.expected_job_id
        c["recall5"] += case.expected_job_id in ids[:5]
        c["decision_as_expected"] += decision == case.expected_decision
        c["no_match"] += decision == "no_match"
        c["auto_linked"] += decision == "auto_linked"
        c["auto_linked_right"] += decision == "auto_linked" and ids[0] == case.expected_job_id
        c["auto_linked_on_title"] += method in _TITLE_METHODS
    report = {}
    for category, c in sorted(counts.items()):
        n = c["n"]
        report[category] = {
            "n": n,
            "top1": round(c["top1"] / n, 4),
            "recall@5": round(c["recall5"] / n, 4),
            "decision_as_expected": round(c["decision_as_expected"] / n, 4),
            "no_match_rate": round(c["no_match"] / n, 4),
            "auto_linked": c["auto_linked"],
            "wrong_auto_links": c["auto_linked"] - c["auto_linked_right"],
            "auto_links_on_title_alone": c["auto_linked_on_title"],
        }
    linked = sum(r["auto_linked"] for r in report.values())
    wrong = sum(r["wrong_auto_links"] for r in report.values())
    report["all"] = {"auto_link_precision": round((linked - wrong) / linked, 4) if linked else None,
                     "auto_linked": linked, "wrong_auto_links": wrong,
                     "auto_links_on_title_alone": sum(r["auto_links_on_title_alone"] for r in report.values())}
    return report


def summary(report: dict[str, Any]) -> dict[str, float]:
    """The figures with targets."""
    return {
        "title_with_city_top1": report["title_with_city"]["top1"],
        "title_without_city_recall@5": report["title_without_city"]["recall@5"],
        "board_with_city_top1": report["board_with_city"]["top1"],
        "board_without_city_recall@5": report["board_without_city"]["recall@5"],
        "board_job_code_auto_linked": report["board_job_code"]["decision_as_expected"],
        "closed_duplicate_top1": report["closed_duplicate"]["top1"],
        "unrelated_no_match": report["unrelated"]["no_match_rate"],
        "other_occupation_no_match": report["other_occupation"]["no_match_rate"],
        "contradiction_held": report["identifier_contradicts_title"]["decision_as_expected"],
        "wrong_auto_links": report["all"]["wrong_auto_links"],
    }


# (name, values): each threshold measured on the tuning part, the others at their chosen value
SWEPT = (
    ("REVIEW_FLOOR", (75.0, 80.0, 85.0)),
    ("CLEARLY_BETTER", (5.0, 10.0, 15.0, 20.0)),
    ("WORDING_FLOOR", (0.5, 0.6, 0.7, 0.8, 1.01)),
    ("WEAK_ALIKE", (0.0, 0.2, 0.4, 1.01)),
)


def sweep(jobs: list[dict[str, Any]], cases: list[LabelledCase], names: list[str]) -> dict[str, Any]:
    tuning = [case for case in cases if case.part == TUNING]
    index = JobIndex(jobs)
    out: dict[str, Any] = {}
    for name, values in SWEPT:
        if names and name not in names:
            continue
        chosen = getattr(scoring, name)
        for value in values:
            _set(name, value)  # measurement only: the thresholds are constants of the matcher
            out[f"{name}={value}"] = summary(evaluate(tuning, matcher(index)))
        _set(name, chosen)
    return out


def _set(name: str, value: float) -> None:
    for module in (scoring, matching, index_module):  # where the constant is defined and where it is imported
        if hasattr(module, name):
            setattr(module, name, value)


# categories and the rank within which the expected job must be (0: the decision alone counts)
_WITHIN = {"title_with_city": 1, "board_with_city": 1, "closed_duplicate": 1, "title_without_city": 5,
           "board_without_city": 5}


def misses(jobs: list[dict[str, Any]], cases: list[LabelledCase]) -> list[dict[str, Any]]:
    """The tuning part's cases the matcher gets wrong, with what it ranked instead: what rules are found on. The
    reporting part is never printed case by case."""
    index, names = JobIndex(jobs), {job["id"]: job["name"] for job in jobs}
    out = []
    for case in cases:
        if case.part != TUNING:
            continue
        posting = Posting.from_dict(case.posting)
        result = index.match(posting)
        ids = [c.job_id for c in result.candidates]
        within = _WITHIN.get(case.category, 0)
        found = not within or case.expected_job_id in ids[:within]
        if found and result.decision == case.expected_decision:
            continue
        out.append({"category": case.category, "title": posting.title,
                    "city": posting.location.city if posting.location else None,
                    "expected": names.get(case.expected_job_id or ""), "expected_decision": case.expected_decision,
                    "decision": result.decision,
                    "candidates": [f"{names[c.job_id]} | {c.score} {c.method}{' weak' if c.weak else ''}: "
                                   + "; ".join(c.reasons) for c in result.candidates]})
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--per-category", type=int, default=300)
    parser.add_argument("--sweep", nargs="*", metavar="NAME", help="sweep these thresholds (all when none named)")
    parser.add_argument("--misses", action="store_true", help="print the tuning part's misses")
    args = parser.parse_args()
    labelled = labelled_set(args.seed, args.per_category)
    if args.misses:
        print(json.dumps(misses(labelled.jobs, labelled.cases), indent=2, ensure_ascii=False))
        return
    if args.sweep is not None:
        print(json.dumps(sweep(labelled.jobs, labelled.cases, args.sweep), indent=2))
        return
    report: dict[str, Any] = {"pool": len(labelled.jobs), "cases": len(labelled.cases), "seed": args.seed}
    index = JobIndex(labelled.jobs)
    titles = fuzzy(labelled.jobs)
    runs = {"matcher": matcher(index), "naive": naive(labelled.jobs, titles), "fuzzy": titles}
    for part in (TUNING, REPORTING):
        cases = [case for case in labelled.cases if case.part == part]
        report[part] = {}
        for name, run in runs.items():
            started = time.perf_counter()
            full = evaluate(cases, run)
            report[part][name] = {"seconds": round(time.perf_counter() - started, 2), "summary": summary(full),
                                  "categories": full}
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
