"""`JobIndex.could_enter`: whether a job can enter a match that holds given candidates, which re-matching asks
instead of matching a posting again. Checked against the real matcher: a job is taken out of the pool, the posting
matched without it, and the job put back; whenever the full match then has the job among its candidates, the
question must say it can enter."""

import random

from jobmatch.fixtures.adverts import load_adverts
from jobmatch.fixtures.kombo_jobs import kombo_job
from jobmatch.fixtures.labelled import labelled_set
from jobmatch.matcher import JobIndex, Posting


def _cases() -> tuple[list[dict], list[Posting]]:
    labelled = labelled_set(seed=3, per_category=20)
    postings = [Posting.from_dict(case.posting) for case in labelled.cases]
    return labelled.jobs, postings


def _by_title(candidates) -> bool:
    return all(candidate.method in ("title", "wording") for candidate in candidates)


def test_a_job_the_matcher_puts_among_the_candidates_could_enter() -> None:
    jobs, postings = _cases()
    rng = random.Random(3)
    adverts = [advert for advert in load_adverts() if advert.title.strip()]
    extra = [kombo_job(f"advert-{n}", str(800_000 + n), advert.title.strip(), city=advert.city or None)
             for n, advert in enumerate(rng.sample(adverts, 200))]
    by_id = {job["id"]: job for job in jobs + extra}
    index = JobIndex(jobs + extra)
    entering = held_out = said_out = 0
    for posting in postings:
        full = index.match(posting)
        if not _by_title(full.candidates):
            continue
        first_word = posting.title.split()[0].lower() if posting.title.split() else ""
        near = [job_id for job_id, job in by_id.items() if first_word and first_word in job["name"].lower()]
        for job_id in {c.job_id for c in full.candidates[:2]} | set(rng.sample(near, min(2, len(near)))):
            index.remove(job_id)
            kept = index.match(posting).candidates
            index.upsert(by_id[job_id])
            if not _by_title(kept):
                continue
            enters = job_id in {c.job_id for c in index.match(posting).candidates}
            could = index.could_enter(posting, [job_id], kept)
            assert could or not enters, (posting.title, by_id[job_id]["name"], kept)
            entering += enters
            held_out += not enters
            said_out += not could
    assert entering > 200
    assert said_out > held_out / 2  # it tells most jobs that stay out from those that enter


def test_a_job_below_every_kept_candidate_or_tied_with_the_last_is_told_apart() -> None:
    index = JobIndex([kombo_job(f"b{n}", str(n), "Bäcker (m/w/d)", city="Bamberg") for n in range(6)]
                     + [kombo_job("k", "10", "Konditor (m/w/d)", city="Bamberg"),
                        kombo_job("b-erlangen", "11", "Bäcker (m/w/d)", city="Erlangen")])
    posting = Posting.from_dict({"title": "Bäcker", "location": {"city": "Bamberg"}})
    kept = index.match(posting).candidates
    assert [c.job_id for c in kept] == ["b0", "b1", "b2", "b3", "b4"]
    assert not index.could_enter(posting, ["k"], kept)  # another title: below the floor
    assert not index.could_enter(posting, ["b-erlangen"], kept)  # the same title in another place: below them
    assert not index.could_enter(posting, ["b5"], kept)  # tied with the last, told apart by its id
    assert index.could_enter(posting, ["b5"], kept[:4])  # room left: found, so it enters
    assert not index.could_enter(posting, ["b0"], kept, exclude={"b0"})  # a rejected job never enters
