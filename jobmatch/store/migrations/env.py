"""Alembic environment: migrations run online against the configured URL."""

from alembic import context

from jobmatch.store.db import make_engine
from jobmatch.store.models import Base

config = context.config
engine = make_engine(config.get_main_option("sqlalchemy.url"))

with engine.connect() as connection:
    context.configure(
        connection=connection,
        target_metadata=Base.metadata,
        render_as_batch=connection.dialect.name == "sqlite",
    )
    with context.begin_transaction():
        context.run_migrations()
engine.dispose()
