"""Alembic environment: migrations run online against the configured URL."""

from alembic import context

from jobmatch.store.db import make_engine
from jobmatch.store.models import Base

config = context.config
engine = make_engine(config.get_main_option("sqlalchemy.url"))

with engine.connect() as connection:
    sqlite = connection.dialect.name == "sqlite"
    if sqlite:  # a batch migration rebuilds a table (copy, drop, rename); rows referencing it would block the drop
        connection.exec_driver_sql("PRAGMA foreign_keys=OFF")
        connection.commit()  # ends the transaction the PRAGMA began: the migrations run in their own and commit it
    context.configure(connection=connection, target_metadata=Base.metadata, render_as_batch=sqlite)
    with context.begin_transaction():
        context.run_migrations()
    if sqlite and (broken := connection.exec_driver_sql("PRAGMA foreign_key_check").all()):
        raise RuntimeError(f"the migration left rows whose foreign keys point nowhere: {broken[:10]}")
engine.dispose()
