"""`jobmatch keys`: API keys of a customer. A key is shown once, when created; only its hash is stored."""

import click

from jobmatch.api.keys import create_key
from jobmatch.cli.context import AppContext, pass_app
from jobmatch.store.models import Role


@click.group()
def keys() -> None:
    """API keys: each belongs to one customer and has one role."""


@keys.command("create")
@click.option("--customer", "customer_slug", required=True, metavar="SLUG", help="The customer owning the key.")
@click.option("--role", required=True, type=click.Choice(Role.ALL), help="What the key may do.")
@pass_app
def create(app: AppContext, customer_slug: str, role: str) -> None:
    """Create a key and print it alone on stdout (it cannot be shown again)."""
    with app.sessions.begin() as session:
        try:
            key = create_key(session, customer_slug, role)
        except LookupError as exc:
            raise click.ClickException(str(exc)) from None
    click.echo(key)
