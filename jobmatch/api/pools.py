"""Each customer's pools of ATS jobs as JobIndexes, kept by the process and brought up to date from the change feed
(jobmatch.store.feed). Matching uses the customer's pool: every job, or only the exposed ones when the customer
asked for that (`match_exposed_only`). The reviewers' job search always uses every job.

The contract:
- `Pools.index` returns a `Pool` at least as current as the versions read with the caller's API key, unless
  bringing it there is large: then it answers with the index it has (`Pool.version` says how current), and one
  thread of the process catches up or rebuilds while requests keep matching. Only a pool the process does not
  hold yet (first use, or evicted) is made in the request, loaded from its stored snapshot when there is one not
  far behind (jobmatch.api.pool_snapshots; then caught up as any held pool is), else built; concurrent requests
  wait for that one. Snapshots are renewed by `keep_snapshots`, which the processes re-matching after syncs call.
- An index at version v catches up by reading the jobs changed after v (one indexed query) and upserting them
  (removing those no longer exposed, from an exposed-only pool). A deleted or closed job stays in the pool:
  matching shows it as an inactive candidate. A catch-up larger than REBUILD_SHARE of the pool rebuilds instead.
- An index is changed and matched under its pool's lock, so no thread reads one half caught up. (Copying an
  index to change the copy costs a build; the lock costs nothing a sync worker's single thread would notice.)
- A build reads only the columns matching needs (`JOB_COLUMNS`) as rows, streamed, the next chunk fetched while
  the index is built from this one, and its titles' stored forms (jobmatch.api.title_forms), writing those it made
  from a thread after it; the pools of a process share one memory bound (JOBMATCH_POOL_CACHE_MB), least
  recently used evicted first. A pool's size is measured when it is built,
  by walking the objects its index holds (`deep_size`), in a thread: the walk takes about as long as the build
  (tracemalloc during the build would nearly double it). The thread first completes the index (what a build
  leaves out, `JobIndex.complete`), COMPLETE_CHUNK titles per hold of the pool's lock; a build of fewer than
  COMPLETE_LATER_FROM jobs completes it itself. Until measured, a pool
  counts at the bytes per job of the last pool measured; catch-ups scale its size by its number of jobs.
- What the pools cost the process is more than what they hold: the allocator keeps the room of evicted pools in
  pieces too small for the next. Each measurement sets the process's growth since it made its Pools (resident
  memory) against the bytes held, the new pool included, and the pools are bounded by the bytes held times
  that slack (1 to MAX_SLACK): so the process stays within its memory before its first pool plus the bound.
  Only then are pools evicted: evicting before would read the memory of the pools just dropped, which stays
  with the process for the next ones, against fewer bytes held.
"""

import gc
import os
import queue
import sys
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Collection, Iterator, Sequence
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from itertools import chain, islice
from types import BuiltinFunctionType, FunctionType, ModuleType
from typing import Any

from sqlalchemy import Engine, Row, Text, bindparam, case, cast, func, select
from sqlalchemy.orm import Session, sessionmaker

from jobmatch.api import pool_snapshots, title_forms
from jobmatch.config import Settings
from jobmatch.matcher import Alias, Candidate, JobIndex, MatchResult, load_tables
from jobmatch.matcher import Posting as MatcherPosting
from jobmatch.matcher.applicability import GONE
from jobmatch.matcher.jobs import JOB_FIELDS
from jobmatch.matcher.places import CityNames
from jobmatch.matcher.titles import TitleForms
from jobmatch.store import feed
from jobmatch.store.models import AtsJob, Customer, Integration

_CUSTOMERS, _JOBS = Customer.__table__.c, AtsJob.__table__.c
# what a pool's version is read from: the customer's row (the API key's query reads them along)
VERSION_COLUMNS = (_CUSTOMERS.match_exposed_only, _CUSTOMERS.only_public_jobs_applicable, _CUSTOMERS.jobs_version)
_VERSIONS = select(*VERSION_COLUMNS).where(_CUSTOMERS.id == bindparam("customer_id"))  # built once

INLINE_CATCH_UP = 100  # changed jobs a request applies itself (an upsert: 0.1-0.3 ms at 100,000 jobs); more: a thread
REBUILD_SHARE = 0.25  # a catch-up of more than this share of the pool's jobs rebuilds it instead
SNAPSHOT_BEHIND = 0.01  # a stored snapshot behind by more than this share of its jobs (and INLINE_CATCH_UP) is renewed
APPLY_CHUNK = 20  # changed jobs a thread catching up applies per hold of the pool's lock (a few milliseconds)
# ... and how long it then lets go: a lock is not fair, and without the pause the thread would take it again
# before a request waiting to match wakes up (measured: requests waited seconds for a catch-up of 12,500 jobs)
APPLY_PAUSE_S = 0.002
COMPLETE_CHUNK = 100  # titles a new index's measuring thread completes per hold of the lock (18 ms, loaded)
# jobs from which a build leaves completing to the measuring thread: below, completing costs about what the build
# does, and a measuring thread behind the builds of many small pools keeps evicted ones alive (a process of 1,000
# customers rose 104.5 MB above its bound with every pool left to it, 94.9 MB with every pool completed at once)
COMPLETE_LATER_FROM = 20_000
READ_CHUNK = 5_000  # rows fetched at a time while a build reads the pool
DEFAULT_CACHE_MB = 256
MAX_SLACK = 2.0  # the process's growth counted per byte its pools hold, at most: pools keep half the bound


# What the index reads of a job: a column for each of the matcher's JOB_FIELDS, as a row without a dict per job.
_FIELDS = {
    "id": _JOBS.id, "name": _JOBS.name, "job_code": _JOBS.job_code, "remote_id": _JOBS.remote_id,
    "post_url": _JOBS.post_url, "department": _JOBS.department, "employment_type": _JOBS.employment_type,
    "status": _JOBS.status, "visibility": _JOBS.visibility,
    "gone": case(*((_JOBS[key].is_not(None), reason) for reason, key in GONE)),  # no timestamp parsed
    "city": _JOBS.location_city, "zip_code": _JOBS.location_zip_code, "raw": _JOBS.location_raw,
    "job_postings": func.nullif(cast(_JOBS.job_posting_identifiers, Text), "[]"),  # most jobs have none: not parsed
}
JOB_COLUMNS = tuple(_FIELDS[name].label(name) for name in JOB_FIELDS)
_CHANGED_COLUMNS = (*JOB_COLUMNS, _JOBS.quarantined_at.is_not(None).label("quarantined"), _JOBS.exposed, _JOBS.version)


@dataclass(frozen=True, slots=True)
class PoolVersions:
    """What says whether a customer's cached pools are current: the customer's jobs version (the change feed,
    jobmatch.store.feed), raised by every change of one of its jobs, exposure included, and read in one row
    however large the pool."""

    exposed_only: bool  # the customer's choice: match against exposed jobs only
    public_only: bool  # the customer's choice: only PUBLIC jobs take applications
    jobs: int

    @classmethod
    def of(cls, row: Row[Any] | None) -> "PoolVersions":
        """From a row holding the VERSION_COLUMNS of one customer (None: no such customer)."""
        return cls(exposed_only=bool(row and row.match_exposed_only),
                   public_only=bool(row and row.only_public_jobs_applicable), jobs=row.jobs_version if row else 0)


PoolKey = tuple[int, bool, bool]  # customer id, exposed jobs only, public jobs only applicable


@dataclass(eq=False)
class _Entry:
    """One cached pool. `lock` guards the index (every change and every match); `refresh` is held by the one
    thread bringing the index up to date."""

    customer_id: int
    exposed_only: bool
    public_only: bool
    index: JobIndex
    version: int  # every change up to this version is in the index
    nbytes: int
    seen: int = 0  # the newest version a caller asked for
    lock: threading.Lock = field(default_factory=threading.Lock)
    refresh: threading.Lock = field(default_factory=threading.Lock)


@dataclass(frozen=True, slots=True)
class Pool:
    """A customer's pool as matching uses it: `version` is the pool version the index is at least current to,
    recorded on the postings matched against it."""

    version: int
    entry: _Entry

    def match(self, posting: MatcherPosting, limit: int = 5, exclude: Collection[str] = (),
              aliases: Sequence[Alias] = ()) -> MatchResult:
        with self.entry.lock:
            return self.entry.index.match(posting, limit, exclude, aliases)

    def could_enter(self, posting: MatcherPosting, job_ids: Collection[str], kept: Sequence[Candidate], limit: int = 5,
                    exclude: Collection[str] = ()) -> bool:
        with self.entry.lock:
            return self.entry.index.could_enter(posting, job_ids, kept, limit, exclude)

    def city_names(self) -> CityNames:
        with self.entry.lock:
            return self.entry.index.city_names()

    def __len__(self) -> int:
        return len(self.entry.index)

    def __contains__(self, job_id: object) -> bool:
        return job_id in self.entry.index


@dataclass(frozen=True, slots=True)
class PoolStats:
    """The process's pool counters (since it started) and what it holds now, for /metrics."""

    hits: int
    catch_ups: int
    rebuilds: int
    snapshot_loads: int
    snapshots_written: int
    evictions: int
    pools: int
    bytes_held: int
    cache_bytes: int
    versions_behind: int  # the most any held pool lags the newest version a caller asked for
    slack: float  # the process's growth per byte its pools hold, as last measured (1: none counted)


def resident_bytes() -> int | None:
    """The process's resident memory (Linux's /proc/self/statm); None where the system does not tell."""
    try:
        with open("/proc/self/statm", "rb") as statm:
            return int(statm.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")
    except (OSError, ValueError, IndexError, AttributeError):
        return None


class Pools:
    def __init__(self, cache_mb: float = DEFAULT_CACHE_MB,
                 resident: Callable[[], int | None] | None = resident_bytes, snapshot_key: bytes | None = None) -> None:
        """`resident`: what the process's memory is, read for the slack (None: the bytes held alone count).
        `snapshot_key`: what pools' snapshots are signed with (jobmatch.api.pool_snapshots); None: none are read
        or written."""
        self.cache_bytes = round(cache_mb * 2**20)
        self._resident = resident
        self._snapshot_key = snapshot_key
        self._memory_before = resident() if resident else None
        self._slack = 1.0
        self._lock = threading.Lock()  # guards the maps and counters below
        self._entries: OrderedDict[PoolKey, _Entry] = OrderedDict()  # least recently used first
        self._builds: dict[PoolKey, threading.Lock] = {}  # one first build per pool at a time
        self._counts = {"hits": 0, "catch_ups": 0, "rebuilds": 0, "snapshot_loads": 0, "snapshots_written": 0,
                        "evictions": 0}
        self._bytes_per_job = 1024.0  # what a new index counts until measured: the last measured pool's figure
        self._threads: list[threading.Thread] = []

    @classmethod
    def for_settings(cls, settings: Settings) -> "Pools":
        """The pools of a process of this instance: its cache bound, its snapshots signed with its secret key."""
        return cls(settings.pool_cache_mb, snapshot_key=pool_snapshots.signing_key(settings.instance_secret_key()))

    def index(self, session: Session, customer_id: int, versions: PoolVersions | None = None, *,
              wait: bool = False) -> Pool:
        """The pool matching uses: only exposed jobs when the customer chose so, every job otherwise. `versions`,
        when the caller read them already (with the API key), spare reading them again. `wait`: catch up however
        large the catch-up (what a re-match after a sync needs), rather than hand a large one to a thread."""
        versions = versions or self._versions(session, customer_id)
        return self._pool(session, (customer_id, versions.exposed_only, versions.public_only), versions.jobs, wait)

    def search_index(self, session: Session, customer_id: int, versions: PoolVersions | None = None) -> Pool:
        """Every job of the customer, exposed or not: what reviewers search to find or expose a job."""
        versions = versions or self._versions(session, customer_id)
        return self._pool(session, (customer_id, False, versions.public_only), versions.jobs, False)

    def stats(self) -> PoolStats:
        with self._lock:
            entries = list(self._entries.values())
            return PoolStats(**self._counts, pools=len(entries), bytes_held=sum(e.nbytes for e in entries),
                             cache_bytes=self.cache_bytes,
                             versions_behind=max((max(0, e.seen - e.version) for e in entries), default=0),
                             slack=self._slack)

    @staticmethod
    def _versions(session: Session, customer_id: int) -> PoolVersions:
        return PoolVersions.of(session.execute(_VERSIONS, {"customer_id": customer_id}).first())

    def _pool(self, session: Session, key: PoolKey, version: int, wait: bool) -> Pool:
        with self._lock:
            entry = self._entries.get(key)
            if entry is not None:
                self._entries.move_to_end(key)
                self._counts["hits"] += 1
        if entry is None:
            entry = self._first_build(session, key)
        entry.seen = max(entry.seen, version)
        if entry.version < version:
            self._catch_up(session, entry, version, wait)
        return Pool(entry.version, entry)

    def _first_build(self, session: Session, key: PoolKey) -> _Entry:
        """Build a pool the process does not hold; threads asking for it meanwhile wait for this one build."""
        with self._lock:
            building = self._builds.setdefault(key, threading.Lock())
        with building:
            with self._lock:
                entry = self._entries.get(key)
            if entry is not None:  # built by the thread this one waited for
                return entry
            version = feed.current_version(session, key[0])  # read first: every job read after is as new
            loaded = self._snapshot(session, key, version)
            if loaded is not None:
                entry = _Entry(*key, *loaded, 0)
            else:
                index, forms = _build(session, *key)
                entry = _Entry(*key, index, version, 0)
            with self._lock:
                self._entries[key] = entry
                del self._builds[key]
            made, count = ({}, "snapshot_loads") if loaded else (forms.made, "rebuilds")
            self._built(entry, session.get_bind(), made, count)
            return entry

    def _snapshot(self, session: Session, key: PoolKey, version: int) -> tuple[JobIndex, int] | None:
        """The pool's stored snapshot and the version it is at, unless snapshots are off, there is none, or it is
        so far behind `version` that catching it up would cost more than a build."""
        if self._snapshot_key is None:
            return None
        stored = pool_snapshots.stored(session, key)
        if stored is None or _changed_more_than(session, key[0], stored.version, REBUILD_SHARE * stored.jobs):
            return None
        return pool_snapshots.load(session, key, self._snapshot_key, version)

    def keep_snapshots(self, sessions: sessionmaker[Session], customer_id: int) -> int:
        """Store a snapshot of each of the customer's pools (matching's and the reviewers' search) where none is
        stored for this code or the stored one is more than SNAPSHOT_BEHIND of its jobs behind, from the pool
        this process holds, caught up first (or built). The processes re-matching after syncs call it, not API
        workers: pickling holds the pool's lock for about as long as a build takes. How many were written."""
        if self._snapshot_key is None:
            return 0
        with sessions() as session:
            versions = self._versions(session, customer_id)
            public_only = versions.public_only
            keys = {(customer_id, versions.exposed_only, public_only), (customer_id, False, public_only)}
            written = 0
            for key in sorted(keys):
                stored = pool_snapshots.stored(session, key)
                if stored is not None and not _changed_more_than(
                        session, customer_id, stored.version, max(INLINE_CATCH_UP, SNAPSHOT_BEHIND * stored.jobs)):
                    continue
                entry = self._pool(session, key, versions.jobs, wait=True).entry
                session.rollback()  # the read transaction ends: nothing holds the database during the write
                with entry.lock:
                    entry.index.complete()  # a snapshot loads whole: no thread completes it after
                    version, jobs, data = entry.version, len(entry.index), pool_snapshots.pickled(entry.index)
                data = pool_snapshots.compact(data)
                if pool_snapshots.write(session.get_bind(), key, self._snapshot_key, version, jobs, data):
                    written += 1
        with self._lock:
            self._counts["snapshots_written"] += written
        return written

    def _catch_up(self, session: Session, entry: _Entry, version: int, wait: bool) -> None:
        """Bring the entry to `version`: in this thread when the catch-up is small or the caller waits, else in
        a thread of its own. One thread at a time: a request that finds another at it matches as things are."""
        if not entry.refresh.acquire(blocking=wait):
            return
        handed_over = False
        try:
            if entry.version >= version:
                return
            if wait:
                self._refresh(session, entry)
                return
            rows = session.execute(_changed(entry).limit(INLINE_CATCH_UP + 1)).all()
            if len(rows) <= INLINE_CATCH_UP:
                self._apply(entry, rows, version)
                return
            self._start(self._refresh_in_thread, session.get_bind(), entry)
            handed_over = True  # the thread releases `refresh` when done
        finally:
            if not handed_over:
                entry.refresh.release()

    def _refresh_in_thread(self, engine: Engine, entry: _Entry) -> None:
        try:
            with Session(engine) as session:
                self._refresh(session, entry)
        finally:
            entry.refresh.release()

    def _refresh(self, session: Session, entry: _Entry) -> None:
        """Catch up to the latest version, or rebuild when the catch-up is a large share of the pool (the caller
        holds `refresh`)."""
        latest = feed.current_version(session, entry.customer_id)  # read first: every job read after is as new
        changed = session.scalar(select(func.count()).select_from(_changed(entry).order_by(None).subquery()))
        if changed > REBUILD_SHARE * max(len(entry.index), 1):
            index, forms = _build(session, entry.customer_id, entry.exposed_only, entry.public_only)
            with entry.lock:
                entry.index, entry.version = index, latest
            self._built(entry, session.get_bind(), forms.made)
            return
        rows = session.execute(_changed(entry).execution_options(yield_per=READ_CHUNK))
        self._apply(entry, rows, latest, pause=APPLY_PAUSE_S)

    def _apply(self, entry: _Entry, rows: Any, version: int, pause: float = 0.0) -> None:
        """Apply changed jobs, a chunk per hold of the pool's lock, `pause` seconds between chunks; the entry's
        version moves once all are in. Every version up to `version` was committed before these rows were read,
        and a version read with them comes with every one before it (see jobmatch.store.feed): the index is
        then at the larger of the two."""
        index, per_job, newest = entry.index, entry.nbytes / max(len(entry.index), 1), version
        for chunk in _chunks(iter(rows), APPLY_CHUNK):
            with entry.lock:
                for row in chunk:
                    if row.quarantined or (entry.exposed_only and not row.exposed):  # as _build
                        index.remove(row.id)
                    else:
                        index.upsert_row(row[: len(JOB_FIELDS)])
            newest = max(newest, chunk[-1].version)
            if pause:
                time.sleep(pause)
        with entry.lock:
            entry.version, entry.nbytes = newest, round(per_job * len(index))
        with self._lock:
            self._counts["catch_ups"] += 1
            self._evict(keep=entry)

    def _built(self, entry: _Entry, engine: Engine, forms: dict[str, str], count: str = "rebuilds") -> None:
        """Count a new index (built, or loaded from a snapshot) at the bytes per job of the last pool measured,
        and measure it in a thread: the walk takes about as long as the build, which no request should wait for.
        The measurement evicts: the build has taken its memory already, and the slack is read against what was
        held when it had. The title forms the build made are kept by a thread too."""
        index = entry.index
        with self._lock:
            entry.nbytes = round(self._bytes_per_job * len(index))
            self._counts[count] += 1
        if forms:
            self._start(title_forms.write, engine, forms)
        self._start(self._measure, entry, index)

    def _measure(self, entry: _Entry, index: JobIndex) -> None:
        """Complete the index (what a build leaves for later, `JobIndex.complete`) a chunk per hold of the pool's
        lock, pausing as a catch-up does, then walk it."""
        load_tables()  # what completing reads, outside the lock (once per process)
        while True:
            with entry.lock:
                if index.complete(COMPLETE_CHUNK):
                    break
            time.sleep(APPLY_PAUSE_S)
        nbytes = deep_size(index)
        memory = self._resident() if self._resident else None
        with self._lock:
            if len(index):
                self._bytes_per_job = nbytes / len(index)
            if entry.index is index:
                entry.nbytes = nbytes
            held = sum(entry.nbytes for entry in self._entries.values())
            if memory is not None and self._memory_before is not None and held:
                self._slack = min(max((memory - self._memory_before) / held, 1.0), MAX_SLACK)
            self._evict(keep=entry)

    def _start(self, work: Any, *args: Any) -> None:
        thread = threading.Thread(target=work, args=args, daemon=True, name=f"jobmatch-pools-{work.__name__}")
        with self._lock:
            self._threads = [t for t in self._threads if t.is_alive()] + [thread]
        thread.start()

    def settle(self) -> None:
        """Wait for the refreshes and measurements under way (tests and benchmarks read figures after)."""
        while threads := [t for t in list(self._threads) if t.is_alive()]:
            for thread in threads:
                thread.join()

    def _evict(self, keep: _Entry) -> None:
        """Drop least recently used pools until the held ones, times the slack, fit the cap; never `keep`, the
        one just needed, even when it alone is larger. The caller holds `_lock`."""
        held = sum(entry.nbytes for entry in self._entries.values())
        for key, entry in list(self._entries.items()):
            if held * self._slack <= self.cache_bytes:
                break
            if entry is not keep:
                del self._entries[key]
                held -= entry.nbytes
                self._counts["evictions"] += 1


def _changed(entry: _Entry) -> Any:
    return feed.changed_after(entry.customer_id, entry.version, *_CHANGED_COLUMNS)


def _changed_more_than(session: Session, customer_id: int, version: int, jobs: float) -> bool:
    """Whether more than `jobs` of the customer's jobs changed after `version` (counted no further than that)."""
    changed = feed.changed_after(customer_id, version, _JOBS.id).order_by(None).limit(int(jobs) + 1).subquery()
    return session.scalar(select(func.count()).select_from(changed)) > jobs


def _build(session: Session, customer_id: int, exposed_only: bool, public_only: bool) -> tuple[JobIndex, TitleForms]:
    """A fresh index of the pool, read in chunks, its titles read from their stored forms where there are; and
    the forms, those it made among them (`TitleForms.made`) for the caller to keep."""
    def pool_jobs(*columns: Any) -> Any:
        jobs = _customer_jobs(customer_id, *columns).where(_JOBS.quarantined_at.is_(None))  # unreadable: left out
        return jobs.where(_JOBS.exposed) if exposed_only else jobs

    forms = TitleForms()

    def reading() -> Iterator[Sequence[Any]]:  # in a thread, while the matcher loads its table, then indexes
        forms.stored.update(title_forms.read(session, pool_jobs(_JOBS.name)))  # the index reads them after the rows
        yield from _driver_chunks(session, pool_jobs(*JOB_COLUMNS))

    with _read_ahead(reading()) as fetched:
        index = JobIndex.of_rows(chain.from_iterable(fetched), public_only=public_only, forms=forms)
    if len(index) < COMPLETE_LATER_FROM:
        index.complete()
    return index, forms


def _driver_chunks(session: Session, statement: Any) -> Iterator[Sequence[Any]]:
    """The statement's rows as the driver gives them (tuples), READ_CHUNK at a time, through a server-side cursor
    where the database has them. SQLAlchemy compiles the statement but makes no rows of its own: making them,
    buffered a row at a time, took more CPU than the driver's reading (0.25 s at 100,000 jobs). Its binds (a
    customer id, texts) need no bind processing, which this leaves out."""
    connection = session.connection()
    compiled = statement.compile(dialect=connection.dialect)
    params: Any = compiled.construct_params()
    if compiled.positional:
        params = tuple(params[name] for name in compiled.positiontup)
    driver = connection.connection.dbapi_connection
    server_side = connection.dialect.supports_server_side_cursors
    cursor = driver.cursor("jobmatch_pool_build") if server_side else driver.cursor()
    try:
        cursor.execute(str(compiled), params)
        while chunk := cursor.fetchmany(READ_CHUNK):
            yield chunk
    finally:
        cursor.close()


_DONE = object()


@contextmanager
def _read_ahead(chunks: Iterator[Sequence[Any]]) -> Iterator[Iterator[Sequence[Any]]]:
    """The chunks, each fetched by a thread while the caller works on the one before: the driver waits for the
    database without holding the GIL, so the database's work and the build's overlap. Fetching starts on entering,
    before the caller asks for a chunk; the thread ends on leaving, whether every chunk was taken or not, and what
    it raised is raised to the caller."""
    ahead: queue.Queue[Any] = queue.Queue(maxsize=1)
    stop = threading.Event()

    def fetch() -> None:
        try:
            for chunk in chunks:
                ahead.put(chunk)
                if stop.is_set():
                    return
            ahead.put(_DONE)
        except BaseException as error:  # noqa: BLE001 - handed to the caller, which raises it
            ahead.put(error)

    def taken() -> Iterator[Sequence[Any]]:
        while (item := ahead.get()) is not _DONE:
            if isinstance(item, BaseException):
                raise item
            yield item

    thread = threading.Thread(target=fetch, daemon=True, name="jobmatch-pools-read-ahead")
    thread.start()
    try:
        yield taken()
    finally:
        stop.set()
        while thread.is_alive():  # a chunk waiting to be taken holds the thread up
            with suppress(queue.Empty):
                ahead.get(timeout=0.01)
        thread.join()


_NOT_DATA = (type, ModuleType, FunctionType, BuiltinFunctionType)  # code, not the pool's data: never followed


def deep_size(root: object) -> int:
    """Bytes held by `root` and every object reachable from it, each counted once and as allocated (Python's
    small-object allocator hands out multiples of 16 bytes up to 512; malloc adds its 8-byte header and rounds
    to 16); classes, modules and functions are not followed. Objects shared with other pools (interned strings,
    cached places) count in each. Only what is held more than once is remembered as seen: an object held by
    the one container it was reached from is reached once (most of a pool's tuples, floats and maps; remembering
    the ids of all was 3.4 MB beside a pool of 1,000 jobs while it was walked, 1.0 MB so)."""
    seen, stack, total, once = set(), [root], 0, _held_once()
    getsizeof, referents, add, refcount = sys.getsizeof, gc.get_referents, seen.add, sys.getrefcount
    while stack:
        item = stack.pop()
        if isinstance(item, _NOT_DATA):
            continue
        if refcount(item) > once:
            if id(item) in seen:
                continue
            add(id(item))
        size = getsizeof(item)
        total += (size + 15) & ~15 if size <= 512 else (size + 23) & ~15
        stack += referents(item)
        if type(item) is dict:  # the collector skips a dict's keys when all are strings (they hold no cycles)
            stack += item
    return total


def _held_once() -> int:
    """What sys.getrefcount says, in `deep_size`'s loop, of an object that only the container it was reached from
    holds: the container's reference, the loop variable's and the call's own (3 on CPython 3.11; interpreters
    that borrow references may say fewer)."""
    stack: list[Any] = [([],)]
    container = stack.pop()
    stack += gc.get_referents(container)
    item = stack.pop()
    return sys.getrefcount(item)


def _chunks(items: Iterator[Any], size: int) -> Iterator[Sequence[Any]]:
    while chunk := list(islice(items, size)):
        yield chunk


def _customer_jobs(customer_id: int, *columns: Any) -> Any:
    return select(*columns).select_from(AtsJob).join(Integration).where(Integration.customer_id == customer_id)


def customer_job(session: Session, customer_id: int, job_id: str) -> AtsJob | None:
    """The job when it belongs to one of the customer's integrations; None for unknown or foreign ids."""
    return session.scalar(
        select(AtsJob).join(Integration).where(AtsJob.id == job_id, Integration.customer_id == customer_id)
    )

