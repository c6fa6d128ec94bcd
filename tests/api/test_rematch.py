"""Re-matching after job changes: exactly the waiting postings a change can concern, events only on change, a
reviewer's "not in the ATS" kept, postings matched against a pool that was behind caught up."""

from sqlalchemy import event, insert, select, text, update

from jobmatch.api import decisions, posting_keys, rematch
from jobmatch.api.pools import Pool, Pools
from jobmatch.fixtures.adverts import load_adverts
from jobmatch.fixtures.kombo_jobs import kombo_job
from jobmatch.matcher import JobIndex, title_key
from jobmatch.matcher import Posting as MatcherPosting
from jobmatch.store.models import AtsJob, Customer, Posting, PostingAction, PostingKey
from jobmatch.store.types import utcnow
from tests.api.conftest import ACME_JOBS
from tests.api.helpers import post
from tests.api.test_review import review
from tests.factories import INTEGRATION_ID, PoolAt, sync_page

BAKER = kombo_job("job-baker", "150", "Bäcker (m/w/d)", job_code="BK-150", city="Berlin")
WAITING = {
    "baker": {"title": "Bäcker (m/w/d)", "location": {"city": "Berlin"}},
    "typo": {"title": "Bäkcer", "location": {"city": "Berlin"}},
    "code": {"title": "Konditor", "job_code": "bk-150"},
    "nurse": {"title": "Pflegefachkraft (m/w/d)", "location": {"city": "Köln"}},  # has the nurses as candidates
    "tax": {"title": "Steuerfachangestellter (m/w/d)", "location": {"city": "Berlin"}},
    "electrician": {"title": "Elektroniker für Betriebstechnik", "location": {"city": "Berlin"}},
}


def post_waiting(client, keys, sessions) -> dict[str, dict]:
    """The WAITING postings, and a re-match of the jobs they were matched against (which changes nothing)."""
    postings = {name: post(client, keys, {"external_id": name, "source": "indeed", **body}).json
                for name, body in WAITING.items()}
    assert all(p["linked_job_id"] is None for p in postings.values())
    assert run(sessions).changed == 0
    return postings


def customer_id(sessions) -> int:
    with sessions() as session:
        return session.scalar(select(Customer.id).where(Customer.slug == "acme"))


def run(sessions, pools=None) -> rematch.Rematched:
    return rematch.rematch_changes(sessions, pools or Pools(), INTEGRATION_ID, "jobs changed")


def stored(sessions) -> dict[str, Posting]:
    with sessions() as session:
        postings = session.scalars(select(Posting)).all()
        for posting in postings:
            posting.events  # loaded while the session is open
        return {posting.external_id: posting for posting in postings}


def actions(posting: Posting) -> list[str]:
    return [event.action for event in posting.events]


def test_a_new_job_rematches_exactly_the_postings_it_can_concern(client, keys, sessions) -> None:
    post_waiting(client, keys, sessions)
    before = stored(sessions)
    sync_page(sessions, [BAKER])

    result = run(sessions)

    after = stored(sessions)
    changed = {name for name in WAITING if after[name].updated_at != before[name].updated_at}
    assert changed == {"baker", "typo", "code"}
    assert (result.changed_jobs, result.touched, result.changed) == (1, 3, 3)
    assert after["code"].candidates[0]["job_id"] == "job-baker"
    assert "job code bk-150 matches" in after["code"].candidates[0]["reasons"]
    for name in changed:
        assert actions(after[name])[-1] == PostingAction.REMATCHED
        assert "job-baker" in {c["job_id"] for c in after[name].candidates}
    # what touching every waiting posting would find: no posting left out has another match now
    index = JobIndex([*ACME_JOBS, BAKER])
    for name in set(WAITING) - changed:
        fresh = decisions._candidate_rows(index.match(decisions._matcher_posting(after[name]), limit=5))
        assert fresh == after[name].candidates, name
        assert PostingAction.REMATCHED not in actions(after[name])
    assert run(sessions) == rematch.Rematched(0, 0, 0)  # nothing changed since


def test_a_posting_whose_title_gives_no_keys_is_matched_again_without_any(client, keys, sessions) -> None:
    created = post(client, keys, {"external_id": "noise", "source": "indeed", "title": "(m/w/d)"}).json
    with sessions.begin() as session:
        posting = session.get(Posting, created["id"])
        decisions.rematch(posting, Pools().index(session, posting.customer_id), decisions.SYSTEM, "posted again")
    assert actions(stored(sessions)["noise"])[-1] == PostingAction.REMATCHED
    with sessions() as session:
        assert not session.scalars(select(PostingKey).where(PostingKey.posting_id == created["id"])).all()


def test_a_candidate_job_that_changes_rematches_its_postings_and_records_only_what_changed(
    client, keys, sessions
) -> None:
    post_waiting(client, keys, sessions)
    nurse_hamburg = next(job for job in ACME_JOBS if job["id"] == "job-nurse-hamburg")
    sync_page(sessions, [nurse_hamburg | {"remote_url": "https://ats.example/102"}])  # matching reads none of it
    assert run(sessions) == rematch.Rematched(1, 1, 0)
    assert PostingAction.REMATCHED not in actions(stored(sessions)["nurse"])

    sync_page(sessions, [nurse_hamburg | {"status": "CLOSED"}])
    assert run(sessions) == rematch.Rematched(1, 1, 1)
    nurse = stored(sessions)["nurse"]
    assert actions(nurse)[-1] == PostingAction.REMATCHED
    closed = next(c for c in nurse.candidates if c["job_id"] == "job-nurse-hamburg")
    assert closed["active"] is False


def test_closing_a_job_rematches_only_the_postings_that_have_it_as_a_candidate(client, keys, sessions) -> None:
    postings = post_waiting(client, keys, sessions)
    sync_page(sessions, [BAKER])
    run(sessions)
    response = client.post(f"/v1/postings/{postings['typo']['id']}/reject", json={"job_id": "job-baker"},
                           headers=keys.header("reviewer"))  # its title still shares keys with the job
    assert "job-baker" not in {c["job_id"] for c in response.json["candidates"]}
    before = stored(sessions)["typo"]

    sync_page(sessions, [BAKER | {"status": "CLOSED"}])
    assert run(sessions) == rematch.Rematched(1, 2, 2)  # "baker" and "code", which have it
    assert stored(sessions)["typo"].updated_at == before.updated_at
    sync_page(sessions, [BAKER | {"status": "CLOSED", "name": "Bäcker (w/m/d)"}])  # renamed: it may reach others
    assert run(sessions).touched == 3


def posting_among_five_bakers(client, keys, sessions, title: str) -> list[dict]:
    """Five bakers in Berlin, and posting "b" of `title` in Berlin whose five title candidates they are."""
    bakers = [kombo_job(f"job-baker-{n}", str(170 + n), "Bäcker (m/w/d)", city="Berlin") for n in range(5)]
    sync_page(sessions, bakers)
    run(sessions)
    posting = post(client, keys, {"external_id": "b", "source": "indeed", "title": title,
                                  "location": {"city": "Berlin"}}).json
    assert {c["job_id"] for c in posting["candidates"]} == {job["id"] for job in bakers}
    run(sessions)
    return bakers


def assert_stored_as_matched(sessions, jobs: list[dict]) -> None:
    """Posting "b" holds the candidates a fresh match against `jobs` gives."""
    fresh = JobIndex(jobs).match(decisions._matcher_posting(stored(sessions)["b"]))
    assert decisions._candidate_rows(fresh) == stored(sessions)["b"].candidates


def test_a_job_that_cannot_rank_among_a_postings_five_title_candidates_is_not_matched_against_it(
    client, keys, sessions
) -> None:
    bakers = posting_among_five_bakers(client, keys, sessions, "Bäcker")
    elsewhere = kombo_job("job-baker-munich", "180", "Bäcker (m/w/d)", city="München")
    sync_page(sessions, [elsewhere])  # 100% similar, but in another place: 92 against the candidates' 100 and more
    assert run(sessions) == rematch.Rematched(1, 0, 0)
    assert_stored_as_matched(sessions, [*ACME_JOBS, *bakers, elsewhere])
    baker_woman = kombo_job("job-baker-berlin", "181", "Bäckerin", city="Berlin")
    sync_page(sessions, [baker_woman])
    assert run(sessions) == rematch.Rematched(1, 0, 0)  # it ranks below them all
    assert_stored_as_matched(sessions, [*ACME_JOBS, *bakers, elsewhere, baker_woman])


def test_a_twin_of_the_last_of_five_candidates_is_matched_again_only_where_it_ranks_before_it(
    client, keys, sessions
) -> None:
    bakers = posting_among_five_bakers(client, keys, sessions, "Bäcker")
    after_them = kombo_job("job-baker-9", "189", "Bäcker (m/w/d)", city="Berlin")  # equal in all but its id
    sync_page(sessions, [after_them])
    assert run(sessions) == rematch.Rematched(1, 0, 0)
    assert_stored_as_matched(sessions, [*ACME_JOBS, *bakers, after_them])
    before_them = kombo_job("job-baker-0b", "190", "Bäcker (m/w/d)", city="Berlin")
    sync_page(sessions, [before_them])
    assert run(sessions) == rematch.Rematched(1, 1, 1)
    assert_stored_as_matched(sessions, [*ACME_JOBS, *bakers, after_them, before_them])


def test_a_reviewers_not_in_the_ats_is_never_overturned_but_a_new_job_returns_it_to_review(
    client, keys, sessions
) -> None:
    postings = post_waiting(client, keys, sessions)
    for name in ("code", "tax"):
        response = client.post(f"/v1/postings/{postings[name]['id']}/reject", json={"reason": "not in the ATS"},
                               headers=keys.header("reviewer"))
        assert response.json["decision"] == "rejected"
    sync_page(sessions, [BAKER, kombo_job("job-tax", "160", "Steuerfachangestellte (m/w/d)", city="Hamburg",
                                         status="CLOSED")])
    run(sessions)

    after = stored(sessions)
    code = after["code"]
    assert (code.decision, code.linked_job_id) == ("needs_review", None)
    assert code.candidates[0]["job_id"] == "job-baker"  # its job code pins the new job
    assert "job-baker may be its job, which a reviewer had not found in the ATS" in code.events[-1].reason
    assert PostingAction.AUTO_LINKED not in actions(code)
    tax = after["tax"]  # a closed job is no job the posting could be
    assert (tax.decision, tax.linked_job_id) == ("rejected", None)
    assert "job-tax" in {c["job_id"] for c in tax.candidates}


def test_a_batch_of_changed_postings_writes_their_keys_in_two_statements(client, keys, sessions, engine) -> None:
    post_waiting(client, keys, sessions)
    sync_page(sessions, [BAKER])
    statements: list[str] = []
    inserted: list[int] = []  # rows each INSERT INTO posting_keys wrote

    def note(connection, cursor, statement, parameters, context, executemany) -> None:
        statements.append(" ".join(statement.split()[:3]))
        if statements[-1] == "INSERT INTO posting_keys":
            inserted.append(len(parameters) if executemany else len(parameters) // 3)  # three columns a row

    event.listen(engine, "before_cursor_execute", note)
    try:
        assert run(sessions).changed == 3
    finally:
        event.remove(engine, "before_cursor_execute", note)
    assert statements.count("DELETE FROM posting_keys") == 1
    assert statements.count("INSERT INTO posting_keys") == 1
    with sessions() as session:  # only their candidates' keys were written again: their fields are as they were
        candidates = sum(len(posting.candidates) for posting in session.scalars(
            select(Posting).where(Posting.external_id.in_(["baker", "typo", "code"]))))
    assert sum(inserted) <= candidates
    with sessions() as session:  # and they are each posting's own keys
        for posting in session.scalars(select(Posting).where(Posting.external_id.in_(["baker", "typo", "code"]))):
            held = set(session.scalars(select(PostingKey.key).where(PostingKey.posting_id == posting.id)))
            assert held == posting_keys.of_posting(posting)[1], posting.external_id


def test_a_weak_suggestion_never_returns_a_not_in_the_ats_to_review(client, keys, sessions) -> None:
    created = post(client, keys, {"external_id": "clean", "source": "indeed", "title": "Reinigungskraft (m/w/d)"}).json
    client.post(f"/v1/postings/{created['id']}/reject", json={"reason": "not in the ATS"},
                headers=keys.header("reviewer"))
    alike = kombo_job("job-cleaning", "170", "Helfer/in - Reinigung", city="Berlin")  # letters alike, weakly
    with sessions() as session:
        posting = session.get(Posting, created["id"])
        decisions.refresh([posting], PoolAt(1, [*ACME_JOBS, alike]), "jobs changed", {})
        session.commit()
    after = stored(sessions)["clean"]
    assert after.decision == "rejected"
    assert [(c["job_id"], c.get("weak")) for c in after.candidates] == [("job-cleaning", True)]


def test_keys_are_kept_for_waiting_postings_only(client, keys, sessions) -> None:
    postings = post_waiting(client, keys, sessions)

    def keyed() -> set[int]:
        with sessions() as session:
            return set(session.scalars(select(PostingKey.posting_id).distinct()))

    ids = {name: posting["id"] for name, posting in postings.items()}
    assert keyed() == set(ids.values())
    client.post(f"/v1/postings/{ids['nurse']}/link", json={"job_id": "job-nurse-hamburg"},
                headers=keys.header("reviewer"))
    client.delete(f"/v1/postings/{ids['tax']}", headers=keys.header("poster"))
    assert keyed() == set(ids.values()) - {ids["nurse"], ids["tax"]}
    client.post(f"/v1/postings/{ids['nurse']}/unlink", headers=keys.header("reviewer"))
    assert ids["nurse"] in keyed()
    with sessions() as session:
        words = session.scalar(select(Posting.title_words).where(Posting.id == ids["electrician"]))
    assert words == "elektroniker betriebstechnik"


def test_a_posting_matched_against_a_pool_that_was_behind_is_caught_up(client, keys, sessions) -> None:
    post_waiting(client, keys, sessions)
    run(sessions)  # the bookmark stands at the jobs as they are
    with sessions.begin() as session:
        stale = session.scalar(select(Customer.jobs_version).where(Customer.slug == "acme"))
    sync_page(sessions, [BAKER])
    run(sessions)  # ran before the late posting below was committed
    with sessions.begin() as session:  # matched against the pool before BAKER, committed only now
        fields = {"external_id": "late", "source": "indeed", "title": "Bäcker", "location": {"city": "Berlin"}}
        decisions.store_new(session, customer_id(sessions), fields, PoolAt(stale, ACME_JOBS))
    assert "job-baker" not in {c["job_id"] for c in stored(sessions)["late"].candidates}

    with sessions() as session:
        assert customer_id(sessions) in rematch.due(session)
    assert run(sessions).touched == 1
    assert "job-baker" in {c["job_id"] for c in stored(sessions)["late"].candidates}


def test_a_run_cut_off_is_finished_by_the_next(client, keys, sessions) -> None:
    post_waiting(client, keys, sessions)
    sync_page(sessions, [BAKER])
    with sessions() as session:
        assert customer_id(sessions) in rematch.due(session)  # the safety net re-matches it
    result = rematch.rematch_customer(sessions, Pools(), customer_id(sessions), "safety net")
    assert result.changed == 3
    # the postings it left alone, matched before the change and within the margin of a run, are looked at once
    # more and found unconcerned
    assert rematch.rematch_customer(sessions, Pools(), customer_id(sessions), "safety net") == rematch.Rematched(0, 0, 0)
    with sessions() as session:  # and then recorded as current: neither a run nor the safety net looks again
        assert customer_id(sessions) not in rematch.due(session)
        assert set(session.scalars(select(Posting.matched_version).where(Posting.linked_job_id.is_(None)))) == {
            session.scalar(select(Customer.rematched_version).where(Customer.slug == "acme"))}


def test_a_posting_a_run_has_seen_is_looked_at_once_for_changes_it_may_have_missed(client, keys, sessions) -> None:
    post_waiting(client, keys, sessions)  # matched just now: within the margin of every run below
    due = []
    for n in range(4):  # changes that concern none of them
        sync_page(sessions, [kombo_job(f"job-pilot-{n}", str(160 + n), f"Pilot {n}", city="München")])
        assert run(sessions).touched == 0
        with sessions() as session:
            due.append(customer_id(sessions) in rematch.due(session))
    # the first run cannot tell whether the postings were committed before it looked; the next looks at them once
    assert due == [True, False, False, False]
    with sessions() as session:
        assert set(session.scalars(select(Posting.seen_by_rematch).where(Posting.linked_job_id.is_(None)))) == {True}


def test_many_changed_jobs_rematch_every_waiting_posting(client, keys, sessions, monkeypatch) -> None:
    post_waiting(client, keys, sessions)
    monkeypatch.setattr(rematch, "MAX_CHANGES", 1)
    sync_page(sessions, [BAKER, kombo_job("job-cook", "151", "Koch", city="Berlin")])
    result = run(sessions)
    assert (result.changed_jobs, result.touched, result.changed) == (2, len(WAITING), 3)


def test_hiding_a_job_from_matching_rematches_the_postings_that_had_it(client, keys, sessions, app) -> None:
    app.extensions["jobmatch.tasks"].huey.immediate = True
    with sessions.begin() as session:
        session.execute(update(AtsJob).values(exposed=True))
        session.execute(update(Customer).where(Customer.slug == "acme").values(match_exposed_only=True))
    nurse = post_waiting(client, keys, sessions)["nurse"]
    assert "job-nurse-hamburg" in {c["job_id"] for c in nurse["candidates"]}
    response = client.patch("/v1/ats-jobs/job-nurse-hamburg", json={"exposed": False},
                            headers=keys.header("reviewer"))
    assert response.status_code == 200
    after = stored(sessions)["nurse"]
    assert "job-nurse-hamburg" not in {c["job_id"] for c in after.candidates}
    assert actions(after)[-1] == PostingAction.REMATCHED


def test_the_safety_net_finishes_a_rematch_no_run_followed(client, keys, sessions, app) -> None:
    app.extensions["jobmatch.tasks"].huey.immediate = True
    post_waiting(client, keys, sessions)
    sync_page(sessions, [BAKER])  # as if the process died between the sync and its re-match
    assert app.extensions["jobmatch.tasks"].safety_net() == []  # no integration is due for a sync
    after = stored(sessions)
    assert "job-baker" in {c["job_id"] for c in after["baker"].candidates}
    assert after["baker"].events[-1].reason == "ATS jobs changed since postings were last matched"


def test_a_job_whose_title_cannot_score_as_high_as_a_postings_five_title_candidates_is_not_matched_against_it(
    client, keys, sessions
) -> None:
    bakers = posting_among_five_bakers(client, keys, sessions, "Bäcker Ref. 48213")
    alike = kombo_job("job-baker-azubi", "180", "Bäcker Azubi", city="Berlin")  # similar, less than the five
    sync_page(sessions, [alike])
    assert run(sessions) == rematch.Rematched(1, 0, 0)
    assert_stored_as_matched(sessions, [*ACME_JOBS, *bakers, alike])
    sync_page(sessions, [kombo_job("job-baker-new", "181", "Bäcker Ref", city="Berlin")])  # may rank among them
    assert run(sessions).touched == 1


def test_a_posting_whose_match_changed_is_matched_once(client, keys, sessions, monkeypatch) -> None:
    post_waiting(client, keys, sessions)
    sync_page(sessions, [BAKER])
    matched = []
    match = Pool.match
    monkeypatch.setattr(Pool, "match", lambda pool, posting, *args, **kwargs: matched.append(posting.title)
                        or match(pool, posting, *args, **kwargs))
    result = run(sessions)
    assert (result.touched, result.changed) == (3, 3)
    assert len(matched) == 3  # the match that found the change is the one stored
    assert "job-baker" in {c["job_id"] for c in stored(sessions)["typo"].candidates}


def test_a_new_job_a_postings_title_names_after_its_employer_rematches_it(client, keys, sessions) -> None:
    """The pool reads "Kaygisuz Personaldienste: Bäcker" without the employer, which no title of it names: the
    posting's stored readings (each choice of its title's parts) let the baker's arrival find it."""
    waiting = post(client, keys, {"external_id": "board", "source": "indeed",
                                  "title": "Kaygisuz Personaldienste Holger: Bäcker (m/w/d)",
                                  "location": {"city": "Berlin"}}).json
    assert "job-baker" not in {c["job_id"] for c in waiting["candidates"]}
    with sessions() as session:
        words = session.scalar(select(Posting.title_words).where(Posting.id == waiting["id"]))
    assert words == "kaygisuz personaldienste holger baecker | kaygisuz personaldienste holger | baecker"
    run(sessions)
    sync_page(sessions, [BAKER])

    assert run(sessions).changed == 1
    best = stored(sessions)["board"].candidates[0]
    assert (best["job_id"], best["reasons"][0]) == ("job-baker", "title 100% similar")


def test_a_rematch_keeps_a_reviewers_link_for_the_title_first(client, keys, sessions) -> None:
    worded = {"source": "backoffice", "title": "LKW-Fahrer (m/w/d)", "location": {"city": "Berlin"}}
    first = post(client, keys, worded | {"external_id": "bo-1"}).json
    review(client, keys, first["id"], "link", {"job_id": "job-driver-berlin"})
    later = post(client, keys, worded | {"external_id": "bo-2"}).json
    assert later["candidates"][0]["method"] == "alias"
    sync_page(sessions, [kombo_job("job-truck", "160", "LKW-Fahrer Nahverkehr (m/w/d)", city="Berlin")])

    assert run(sessions).touched >= 1

    best = stored(sessions)["bo-2"].candidates[0]
    assert (best["job_id"], best["method"]) == ("job-driver-berlin", "alias")
    assert best["reasons"][0] == f"linked by a reviewer for posting #{first['id']}"


def test_the_stored_title_words_hold_the_title_key_a_reviewers_verdict_is_kept_under() -> None:
    for advert in (advert for advert in load_adverts() if advert.title.strip()):  # a posting has a title
        fields = {"title": advert.title, "job_code": None, "remote_id": None, "post_url": None,
                  "location": {"city": advert.city, "zip_code": advert.zip_code, "raw": None}}
        words, _ = posting_keys.of(fields, [])
        assert posting_keys.title_key(words) == title_key(MatcherPosting.from_dict(fields)), advert.title


def test_the_behind_query_reads_the_index_of_unseen_postings(sessions, engine) -> None:
    """Not every posting updated lately: at 400 postings/s the last five minutes hold 120,000, nearly all of them
    seen by a run (here 500 of them, and the statistics a server keeps of them)."""
    now = utcnow()
    with sessions.begin() as session:
        customer = Customer(slug="busy", name="Busy")
        session.add(customer)
        session.flush()
        session.execute(insert(Posting.__table__), [
            {"customer_id": customer.id, "source": "indeed", "external_id": f"seen-{n}", "title": "Koch",
             "decision": "no_match", "created_at": now, "updated_at": now, "matched_version": 5,
             "seen_by_rematch": True, "version": 1} for n in range(500)])
    statement = rematch.behind_postings(customer.id, 5, now)
    with engine.connect() as connection:
        connection.execute(text("ANALYZE postings"))
        sql = str(statement.compile(connection, compile_kwargs={"literal_binds": True}))
        if engine.dialect.name == "postgresql":
            plan = "\n".join(connection.execute(text(f"EXPLAIN {sql}")).scalars())
        else:
            plan = "\n".join(str(row) for row in connection.execute(text(f"EXPLAIN QUERY PLAN {sql}")))
    assert "ix_postings_unseen_updated_at" in plan
