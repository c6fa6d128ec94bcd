"""Titles worded differently (jobmatch.fixtures.worded): recall@5, mean reciprocal rank over the best 10 and
no-match rates, per part, for the matcher and baselines measured in the same run.

Baselines: rapidfuzz over the job titles preprocessed once (`utils.default_process`), by edit distance (Indel
`fuzz.ratio`) and by WRatio, and character n-gram TF-IDF (the three- and four-letter pieces of the words, each
weighted by its rarity among the pool's titles, compared by cosine); each ranks every job and returns the best 10
(a candidate at any score).

    .venv/bin/python benchmarks/match_worded.py [--sweep] [--per-category 1000]
"""

import argparse
import json
import random
import time
from collections import Counter, defaultdict
from collections.abc import Callable
from math import log, sqrt
from typing import Any

from rapidfuzz import fuzz, process, utils

from jobmatch.fixtures.labelled import TUNING
from jobmatch.fixtures.worded import WordedCase, WordedSet, esco_advert_set, esco_set, occupation_set
from jobmatch.matcher import JobIndex, Posting, scoring
from jobmatch.matcher import index as index_module

Ranked = Callable[[str], tuple[str, list[str]]]  # a title's decision and its candidates' job ids, best first


def matcher(index: JobIndex) -> Ranked:
    def run(title: str) -> tuple[str, list[str]]:
        result = index.match(Posting(title), limit=10)
        return result.decision, [c.job_id for c in result.candidates]

    return run


def _decided(ids: list[str]) -> tuple[str, list[str]]:
    """A baseline's decision: it suggests whatever it ranks."""
    return ("needs_review" if ids else "no_match"), ids


def baseline(jobs: list[dict[str, Any]], scorer: Any) -> Ranked:
    names = [utils.default_process(job["name"]) for job in jobs]
    ids = [job["id"] for job in jobs]
    return lambda title: _decided([ids[i] for _, _, i in process.extract(utils.default_process(title), names,
                                                                          scorer=scorer, processor=None, limit=10)])


def tfidf(jobs: list[dict[str, Any]]) -> Ranked:
    ids = [job["id"] for job in jobs]

    def pieces(text: str) -> Counter:
        return Counter(f"^{word}$"[i : i + size] for word in utils.default_process(text).split() for size in (3, 4)
                       for i in range(len(word) + 3 - size))

    names = [pieces(job["name"]) for job in jobs]
    counts = Counter(gram for name in names for gram in name)
    rarity = {gram: log(1 + len(jobs) / count) for gram, count in counts.items()}
    by_gram: dict[str, list[tuple[int, float]]] = defaultdict(list)
    for i, name in enumerate(names):
        norm = sqrt(sum((n * rarity[gram]) ** 2 for gram, n in name.items()))
        for gram, n in name.items():
            by_gram[gram].append((i, n * rarity[gram] / norm))

    def run(title: str) -> tuple[str, list[str]]:
        scores: dict[int, float] = defaultdict(float)
        for gram, n in pieces(title).items():
            for i, weight in by_gram.get(gram, ()):
                scores[i] += n * rarity[gram] * weight
        return _decided([ids[i] for i in sorted(scores, key=lambda i: (-scores[i], i))[:10]])

    return run


def evaluate(cases: list[WordedCase], run: Ranked) -> dict[str, Any]:
    sums: dict[str, dict[str, float]] = defaultdict(lambda: defaultdict(float))
    for case in cases:
        decision, ids = run(case.title)
        s = sums[case.category]
        s["n"] += 1
        s["no_match"] += decision == "no_match"  # for a title whose job is in the pool: only weak suggestions
        if case.expected_job_id is None:
            s["with_weak_suggestions"] += decision == "no_match" and bool(ids)
            continue
        rank = ids.index(case.expected_job_id) + 1 if case.expected_job_id in ids else None
        s["recall@1"] += rank == 1
        s["recall@5"] += rank is not None and rank <= 5
        s["recall@10"] += rank is not None
        s["mrr@10"] += 1 / rank if rank else 0.0
        s["no_candidate"] += not ids
    return {category: {"n": int(s["n"]), **{key: round(value / s["n"], 4) for key, value in s.items() if key != "n"}}
            for category, s in sorted(sums.items())}


def report(worded: WordedSet) -> dict[str, Any]:
    index = JobIndex(worded.jobs)
    runs = {"matcher": matcher(index), "edit_distance": baseline(worded.jobs, fuzz.ratio),
            "wratio": baseline(worded.jobs, fuzz.WRatio), "ngram_tfidf": tfidf(worded.jobs)}
    out: dict[str, Any] = {"pool": len(worded.jobs)}
    for part in ("tuning", "reporting"):
        cases = [case for case in worded.cases if case.part == part]
        out[part] = {}
        for name, run in runs.items():
            started = time.perf_counter()
            out[part][name] = evaluate(cases, run)
            out[part][name]["seconds"] = round(time.perf_counter() - started, 2)
    return out


SWEPT = {"WORDING_FLOOR": (0.5, 0.6, 0.7, 0.75, 0.8, 1.01), "ALIKE_FLOOR": (0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 1.01),
         "STRONG_TITLE": (80.0, 85.0, 90.0, 95.0, 101.0), "WEAK_WORDING": (0.3, 0.4, 0.5, 0.6, 1.01),
         "WEAK_ALIKE": (0.0, 0.1, 0.2, 0.3, 0.4, 0.5, 1.01)}


def sweep(worded: WordedSet) -> dict[str, Any]:
    """The wording thresholds on the tuning part, one at a time, the others at their chosen value."""
    index = JobIndex(worded.jobs)
    tuning = [case for case in worded.cases if case.part == TUNING]
    out: dict[str, Any] = {}
    for name, values in SWEPT.items():
        chosen = getattr(scoring, name)
        for value in values:
            setattr(index_module, name, value)  # measurement only: a constant of the matcher
            out[f"{name}={value}"] = evaluate(tuning, matcher(index))
        setattr(index_module, name, chosen)
    return out


def sample(worded: WordedSet, per_category: int) -> WordedSet:
    """At most `per_category` cases of each category and part, drawn by a fixed seed."""
    groups: dict[tuple[str, str], list[WordedCase]] = defaultdict(list)
    for case in worded.cases:
        groups[(case.category, case.part)].append(case)
    rng = random.Random(0)
    cases = [case for _, group in sorted(groups.items()) for case in rng.sample(group, min(per_category, len(group)))]
    return WordedSet(worded.jobs, cases)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sweep", action="store_true")
    parser.add_argument("--per-category", type=int, default=1000, help="cases of each category and part")
    args = parser.parse_args()
    sets = {name: sample(make(), args.per_category)
            for name, make in (("esco", esco_set), ("occupations", occupation_set), ("esco_adverts", esco_advert_set))}
    run = sweep if args.sweep else report
    print(json.dumps({name: run(worded) for name, worded in sets.items()}, indent=2))


if __name__ == "__main__":
    main()
