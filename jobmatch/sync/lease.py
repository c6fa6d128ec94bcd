"""At most one sync per integration at a time, across processes and machines: a lease on the integration row.

A run takes the lease in the transaction that records its start and renews it with every page it writes; a
process that dies simply stops renewing, and after `LEASE` another run may take over. Works the same on SQLite
and PostgreSQL because it is one conditional UPDATE, not a database-specific lock.
"""

import os
import socket
import uuid
from datetime import datetime, timedelta

from sqlalchemy import or_, update
from sqlalchemy.orm import Session

from jobmatch.store.models import Integration

LEASE = timedelta(minutes=2)


class SyncInProgress(Exception):
    """Another run holds the integration's sync lease."""


class LeaseLost(Exception):
    """This run's lease expired and another run took the integration over; this run must stop writing."""


def new_owner() -> str:
    """Who holds a lease: readable in the database when an operator looks, unique per run."""
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"


def take(session: Session, integration_id: str, owner: str, now: datetime, lease: timedelta = LEASE) -> None:
    """Take the lease, or raise SyncInProgress while another run holds an unexpired one."""
    taken = session.execute(
        update(Integration)
        .where(
            Integration.id == integration_id,
            or_(Integration.sync_lease_until.is_(None), Integration.sync_lease_until < now),
        )
        .values(sync_lease_owner=owner, sync_lease_until=now + lease)
    )
    if taken.rowcount != 1:
        holder = session.get(Integration, integration_id)
        raise SyncInProgress(
            f"a sync of {integration_id} is already running ({holder.sync_lease_owner if holder else 'unknown'})"
        )


def renew(session: Session, integration_id: str, owner: str, now: datetime, lease: timedelta = LEASE) -> None:
    """Extend the lease; raise LeaseLost when it is no longer ours."""
    renewed = session.execute(
        update(Integration)
        .where(Integration.id == integration_id, Integration.sync_lease_owner == owner)
        .values(sync_lease_until=now + lease)
    )
    if renewed.rowcount != 1:
        raise LeaseLost(f"the sync lease of {integration_id} expired and another run took over")


def release(session: Session, integration_id: str, owner: str) -> None:
    session.execute(
        update(Integration)
        .where(Integration.id == integration_id, Integration.sync_lease_owner == owner)
        .values(sync_lease_owner=None, sync_lease_until=None)
    )
