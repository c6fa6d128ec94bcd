"""Match quality on the labelled set, per category, for the matcher and a naive baseline side by side.

The baseline is what one writes first: rapidfuzz `process.extract` with WRatio and `utils.default_process` over
every job name, auto-linking at a best score >= 95, asking for review at >= 80, else no match. It never reads
identifiers, places or job states.

    .venv/bin/python benchmarks/match_quality.py                    # matcher vs baseline
    .venv/bin/python benchmarks/match_quality.py --sweep-floor      # the review floor measured
"""

import argparse
import json
import time
from collections import defaultdict
from collections.abc import Callable, Iterable
from typing import Any

from rapidfuzz import fuzz, process, utils

from jobmatch.fixtures.labelled import LabelledCase, labelled_set
from jobmatch.matcher import JobIndex, Posting
from jobmatch.matcher import matching

Outcome = tuple[str, list[str], str | None]  # decision, candidate job ids best first, the auto-linked job's method


def matcher(index: JobIndex) -> Callable[[dict[str, Any]], Outcome]:
    def run(posting: dict[str, Any]) -> Outcome:
        result = index.match(Posting.from_dict(posting))
        method = result.candidates[0].method if result.decision == "auto_linked" else None
        return result.decision, [c.job_id for c in result.candidates], method
    return run


def baseline(jobs: list[dict[str, Any]]) -> Callable[[dict[str, Any]], Outcome]:
    names = [utils.default_process(job["name"] or "") for job in jobs]  # processed once: same scores, faster
    ids = [job["id"] for job in jobs]

    def run(posting: dict[str, Any]) -> Outcome:
        query = utils.default_process(posting["title"])
        found = process.extract(query, names, scorer=fuzz.WRatio, processor=None, limit=5)
        best = found[0][1] if found else 0.0
        decision = "auto_linked" if best >= 95 else "needs_review" if best >= 80 else "no_match"
        return decision, [ids[i] for _, score, i in found if score >= 80], "title" if decision == "auto_linked" else None
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
        c["auto_linked_on_title"] += method == "title"
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


_TITLE_CATEGORIES = ("title_with_city", "title_without_city", "closed_duplicate", "unrelated", "other_occupation",
                      "identifier_contradicts_title")


def sweep_floor(jobs: list[dict[str, Any]], cases: list[LabelledCase]) -> dict[str, Any]:
    """The title categories at several review floors (the chosen one is matching.REVIEW_FLOOR)."""
    subset = [case for case in cases if case.category in _TITLE_CATEGORIES]
    out: dict[str, Any] = {}
    index = JobIndex(jobs)
    chosen = matching.REVIEW_FLOOR
    for floor in (70.0, 75.0, 80.0, 85.0, 90.0):
        matching.REVIEW_FLOOR = floor  # measurement only: the floor is a constant of the matcher
        out[str(floor)] = _summary(evaluate(subset, matcher(index)))
    matching.REVIEW_FLOOR = chosen
    return out


def _summary(report: dict[str, Any]) -> dict[str, float]:
    return {
        "title_with_city_top1": report["title_with_city"]["top1"],
        "title_without_city_recall@5": report["title_without_city"]["recall@5"],
        "closed_duplicate_top1": report["closed_duplicate"]["top1"],
        "unrelated_no_match": report["unrelated"]["no_match_rate"],
        "other_occupation_no_match": report["other_occupation"]["no_match_rate"],
        "contradiction_held": report["identifier_contradicts_title"]["decision_as_expected"],
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--per-category", type=int, default=300)
    parser.add_argument("--sweep-floor", action="store_true")
    args = parser.parse_args()
    labelled = labelled_set(args.seed, args.per_category)
    if args.sweep_floor:
        print(json.dumps(sweep_floor(labelled.jobs, labelled.cases), indent=2))
        return
    started = time.perf_counter()
    index = JobIndex(labelled.jobs)
    ours = evaluate(labelled.cases, matcher(index))
    ours_seconds = time.perf_counter() - started
    started = time.perf_counter()
    theirs = evaluate(labelled.cases, baseline(labelled.jobs))
    print(json.dumps({
        "pool": len(labelled.jobs), "cases": len(labelled.cases), "seed": args.seed,
        "seconds": {"matcher": round(ours_seconds, 2), "baseline": round(time.perf_counter() - started, 2)},
        "matcher": ours, "baseline": theirs,
    }, indent=2))


if __name__ == "__main__":
    main()
