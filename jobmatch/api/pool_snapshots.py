"""Snapshots of customers' pools (jobmatch.store.models.PoolSnapshot): a process that holds no pool loads the
stored index and catches up from its version (jobmatch.api.pools) where a build would read and index every job.
At 100,000 jobs, reading and unpickling a snapshot takes less than half of what a build does
(benchmarks/pool_build.py).

- Written by the processes that re-match after syncs (`Pools.keep_snapshots`), never by an API worker: pickling
  holds the pool's lock about as long as a build takes (seconds at 100,000 jobs), which no request may wait for.
- Read only when the matcher code that pickled it is this process's (`code`: a digest of the matcher package's
  files, of the libraries it calls and of the interpreter), and only when its signature holds (HMAC-SHA256 under a
  key derived from the instance's secret key): unpickling runs what the data says, so write access to the
  database must not become a way to run code.
- A cache: failing to write one costs the next cold start a build, nothing else; one that cannot be read is built
  over, and the next snapshot replaces it.
"""

import hashlib
import hmac
import io
import logging
import pickle
import pickletools
import sys
from dataclasses import dataclass
from functools import cache
from importlib.metadata import version as package_version
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, bindparam, delete, func, select
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

import jobmatch.matcher
from jobmatch.matcher import JobIndex
from jobmatch.matcher.index import without_cycle_collection
from jobmatch.store.models import PoolSnapshot

log = logging.getLogger(__name__)

_SNAPSHOTS = PoolSnapshot.__table__
_LIBRARIES = ("rapidfuzz", "PyStemmer")  # what the matcher's indexes hold results of
READ_CHUNK = 1 << 20  # bytes of a snapshot read per statement


@dataclass(frozen=True, slots=True)
class Stored:
    """What is known of a stored snapshot without reading its data."""

    version: int
    jobs: int


def signing_key(secret: str) -> bytes:
    """The key snapshots are signed with, derived from the instance's secret key (JOBMATCH_SECRET_KEY)."""
    return hmac.digest(secret.encode(), b"jobmatch pool snapshots", "sha256")


@cache
def code() -> str:
    """A digest of what decides the shape of a pickled index: the matcher package's files, the versions of the
    libraries it calls, the interpreter and the pickle protocol."""
    digest = hashlib.sha256(f"{sys.implementation.cache_tag} {pickle.HIGHEST_PROTOCOL}".encode())
    for library in _LIBRARIES:
        digest.update(f" {library} {package_version(library)}".encode())
    root = Path(jobmatch.matcher.__file__).parent
    for path in sorted(path for path in root.rglob("*") if path.is_file() and path.suffix != ".pyc"):
        digest.update(path.relative_to(root).as_posix().encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()


def stored(session: Session, key: tuple[int, bool, bool]) -> Stored | None:
    """The stored snapshot of the pool `key` (customer id, exposed only, public only) that this code can read."""
    row = session.execute(select(_SNAPSHOTS.c.version, _SNAPSHOTS.c.jobs).where(*_of(key))).first()
    return Stored(row.version, row.jobs) if row else None


def load(session: Session, key: tuple[int, bool, bool], signing: bytes, newest: int) -> tuple[JobIndex, int] | None:
    """The pool's stored index and the version it holds every change up to; None when there is none this code
    wrote, its signature does not hold, or it claims a version after `newest` (the database was restored to an
    earlier state: the snapshot may hold changes the database no longer has). The data is read READ_CHUNK at a
    time: a driver's buffer grows to the largest value it read and keeps that size for its connection's life."""
    row = session.execute(
        select(_SNAPSHOTS.c.version, _SNAPSHOTS.c.signature, func.length(_SNAPSHOTS.c.data).label("size"))
        .where(*_of(key))
    ).first()
    if row is None or row.version > newest:
        return None
    piece = select(func.substr(_SNAPSHOTS.c.data, bindparam("start"), READ_CHUNK)).where(*_of(key))
    chunks = [session.scalar(piece, {"start": start}) for start in range(1, row.size + 1, READ_CHUNK)]
    signed = _signer(signing, key, row.version)
    for chunk in chunks:
        signed.update(chunk)
    if not hmac.compare_digest(row.signature, signed.digest()):
        log.warning("the snapshot of pool %s is not signed with this instance's key: built instead", key)
        return None
    try:
        with without_cycle_collection():
            index = pickle.Unpickler(io.BufferedReader(_Chunks(chunks))).load()
    except Exception as error:  # noqa: BLE001 - signed by us, yet unreadable: a cache entry, built over
        log.warning("the snapshot of pool %s could not be read (%s): built instead", key, error)
        return None
    return (index, row.version) if isinstance(index, JobIndex) else None


def pickled(index: JobIndex) -> bytes:
    """The index as a snapshot holds it (the caller holds the pool's lock: nothing may change it meanwhile)."""
    return pickle.dumps(index, protocol=pickle.HIGHEST_PROTOCOL)


def compact(data: bytes) -> bytes:
    """The pickle without the memo entries no later part of it reads (pickletools.optimize). A pickler memoizes
    every object it writes, so the unpickler's memo would list every object of the pool while it loads: at
    100,000 jobs 70 MB more at its peak, and 60 MB of the process's memory left in pieces after (measured with
    tracemalloc and RSS). Pure Python: 10-17 s at 100,000 jobs, 0.2 s at 1,000, paid by the process writing the
    snapshot, without the pool's lock."""
    return pickletools.optimize(data)


def write(engine: Engine, key: tuple[int, bool, bool], signing: bytes, version: int, jobs: int, data: bytes) -> bool:
    """Keep the pickled index of pool `key` at `version` in place of the one stored, unless that is newer and
    written by this code; in a transaction of its own. Whether it was written."""
    customer_id, exposed_only, public_only = key
    signed = _signer(signing, key, version)
    signed.update(data)
    row = {"customer_id": customer_id, "exposed_only": exposed_only, "public_only": public_only, "code": code(),
           "version": version, "jobs": jobs, "signature": signed.digest(), "data": data}
    try:
        with engine.begin() as connection:
            newer = connection.execute(select(_SNAPSHOTS.c.version).where(*_of(key), _SNAPSHOTS.c.version >= version))
            if newer.first() is not None:
                return False
            connection.execute(delete(_SNAPSHOTS).where(*_of(key, any_code=True)))
            connection.execute(_SNAPSHOTS.insert(), row)
    except SQLAlchemyError as error:  # a concurrent writer of the same pool, or the database away
        log.warning("could not keep the snapshot of pool %s (the next cold start builds it): %s", key, error)
        return False
    return True


def _of(key: tuple[int, bool, bool], any_code: bool = False) -> list:
    customer_id, exposed_only, public_only = key
    where = [_SNAPSHOTS.c.customer_id == customer_id, _SNAPSHOTS.c.exposed_only == exposed_only,
             _SNAPSHOTS.c.public_only == public_only]
    return where if any_code else [*where, _SNAPSHOTS.c.code == code()]


def _signer(signing: bytes, key: tuple[int, bool, bool], version: int) -> "hmac.HMAC":
    return hmac.new(signing, f"{code()} {key} {version} ".encode(), "sha256")


class _Chunks(io.RawIOBase):
    """The chunks read as one stream, each let go once read: the pickle is never held in one piece."""

    def __init__(self, chunks: list[bytes]) -> None:
        self._chunks, self._left = chunks[::-1], memoryview(b"")

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        while not self._left and self._chunks:
            self._left = memoryview(self._chunks.pop())
        count = min(len(buffer), len(self._left))
        buffer[:count], self._left = self._left[:count], self._left[count:]
        return count
