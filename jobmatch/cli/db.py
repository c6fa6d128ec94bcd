"""`jobmatch db`: the schema, owned by Alembic."""

import click

from jobmatch.cli.context import AppContext, pass_app


@click.group()
def db() -> None:
    """Database schema."""


@db.command("upgrade")
@click.option("--revision", default="head", show_default=True, help="Alembic revision to upgrade to.")
@pass_app
def upgrade_command(app: AppContext, revision: str) -> None:
    """Create or upgrade the schema."""
    app.upgrade_schema(revision)
    click.echo(f"database at revision {revision}: {app.engine.url.render_as_string(hide_password=True)}")
