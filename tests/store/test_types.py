from datetime import UTC, datetime, timedelta, timezone

import pytest
from sqlalchemy.exc import StatementError
from sqlalchemy.orm import Session, sessionmaker

from jobmatch.store.models import Integration
from tests.factories import add_integration


def test_datetimes_come_back_aware_in_utc(sessions: sessionmaker[Session]) -> None:
    integration_id = add_integration(sessions)
    berlin = datetime(2026, 3, 1, 12, 30, 15, 123000, tzinfo=timezone(timedelta(hours=1)))
    with sessions.begin() as session:
        session.get_one(Integration, integration_id).watermark = berlin
    with sessions() as session:
        stored = session.get_one(Integration, integration_id).watermark
    assert stored == berlin
    assert stored.tzinfo == UTC


def test_naive_datetimes_are_refused(sessions: sessionmaker[Session]) -> None:
    integration_id = add_integration(sessions)
    with pytest.raises(StatementError, match="naive datetime"), sessions.begin() as session:
        session.get_one(Integration, integration_id).watermark = datetime(2026, 3, 1)
        session.flush()
