"""What every command needs: validated settings and a database, created once per invocation."""

from collections.abc import Callable
from functools import cached_property, update_wrapper
from typing import Any

import click
from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from jobmatch import logs
from jobmatch.config import ConfigError, Settings
from jobmatch.store.db import make_engine, make_session_factory


class AppContext:
    @cached_property
    def settings(self) -> Settings:
        """Read and validated once; logging is set up from them (warnings and errors only, for one-off commands)."""
        try:
            settings = Settings.from_env()
        except ConfigError as exc:
            raise click.UsageError(str(exc)) from None
        logs.configure(settings.log_format, settings.log_level or "WARNING")
        return settings

    def log_activity(self) -> None:
        """Long-running commands (serve, worker) log what they do: INFO unless JOBMATCH_LOG_LEVEL says otherwise."""
        logs.configure(self.settings.log_format, self.settings.log_level or "INFO")

    @cached_property
    def engine(self) -> Engine:
        url = self.settings.database_url
        if url.startswith("sqlite:///"):
            self.settings.instance_path.mkdir(parents=True, exist_ok=True)
        return make_engine(url)

    @cached_property
    def sessions(self) -> sessionmaker[Session]:
        return make_session_factory(self.engine)

    def upgrade_schema(self, revision: str = "head") -> None:
        from jobmatch.store.migrate import upgrade  # Alembic is needed by this command only

        self.engine  # creates the instance folder of the default SQLite file
        upgrade(self.settings.database_url, revision)

    def close(self) -> None:
        if "engine" in self.__dict__:
            self.engine.dispose()


def pass_app(command: Callable[..., Any]) -> Callable[..., Any]:
    """Hand the command an AppContext shared by the whole invocation."""

    @click.pass_context
    def wrapper(ctx: click.Context, *args: Any, **kwargs: Any) -> Any:
        app = ctx.find_object(AppContext)
        if app is None:
            app = ctx.find_root().obj = AppContext()
            ctx.find_root().call_on_close(app.close)
        return ctx.invoke(command, app, *args, **kwargs)

    return update_wrapper(wrapper, command)
