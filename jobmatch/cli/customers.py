"""`jobmatch customers`: the companies using jobmatch."""

import re

import click
from sqlalchemy import select

from jobmatch.cli.context import AppContext, pass_app
from jobmatch.store.models import Customer

SLUG = re.compile(r"^[a-z0-9](?:[a-z0-9-]{0,62}[a-z0-9])?$")


@click.group()
def customers() -> None:
    """Customers: each owns its integrations, postings and API keys."""


@customers.command("add")
@click.argument("slug")
@click.option("--name", help="Display name (default: the slug).")
@pass_app
def add(app: AppContext, slug: str, name: str | None) -> None:
    """Add the customer SLUG (lowercase letters, digits and dashes)."""
    if not SLUG.match(slug):
        raise click.BadParameter("use 1-64 lowercase letters, digits and inner dashes, like acme-gmbh", param_hint="SLUG")
    with app.sessions.begin() as session:
        if session.scalar(select(Customer.id).where(Customer.slug == slug)) is not None:
            raise click.ClickException(f"customer {slug!r} already exists")
        session.add(Customer(slug=slug, name=name or slug))
    click.echo(f"customer {slug} added")


@customers.command("list")
@pass_app
def list_customers(app: AppContext) -> None:
    """List customers."""
    with app.sessions() as session:
        for customer in session.scalars(select(Customer).order_by(Customer.slug)):
            click.echo(f"{customer.slug}\t{customer.name}")
