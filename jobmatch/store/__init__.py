"""The database: typed SQLAlchemy models, engine and session setup, Alembic migrations."""
