"""`jobmatch keys`: API keys of a customer. A key is shown once, when created; only its hash is stored."""

from datetime import UTC, datetime

import click

from jobmatch.api.keys import create_key, customer_keys, revoke_key
from jobmatch.cli.context import AppContext, pass_app
from jobmatch.store.models import ApiKey, Role
from jobmatch.store.types import utcnow

EXPIRY_FORMATS = ["%Y-%m-%d", "%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M"]


@click.group()
def keys() -> None:
    """API keys: each belongs to one customer and has one role."""


@keys.command("create")
@click.option("--customer", "customer_slug", required=True, metavar="SLUG", help="The customer owning the key.")
@click.option("--role", required=True, type=click.Choice(Role.ALL), help="What the key may do.")
@click.option("--name", help='Who holds the key, like "Anna Berger"; shown in histories and the review page.')
@click.option("--expires", type=click.DateTime(EXPIRY_FORMATS), metavar="YYYY-MM-DD[THH:MM]",
              help="When the key stops working (UTC); without it, it works until revoked.")
@pass_app
def create(app: AppContext, customer_slug: str, role: str, name: str | None, expires: datetime | None) -> None:
    """Create a key and print it alone on stdout (it cannot be shown again)."""
    with app.sessions.begin() as session:
        try:
            key = create_key(session, customer_slug, role, name, expires.replace(tzinfo=UTC) if expires else None)
        except (LookupError, ValueError) as exc:
            raise click.ClickException(str(exc)) from None
    click.echo(key)


@keys.command("list")
@click.option("--customer", "customer_slug", required=True, metavar="SLUG")
@pass_app
def list_keys(app: AppContext, customer_slug: str) -> None:
    """The customer's keys, one a line: prefix, role, name, created, last used, state (tab-separated)."""
    with app.sessions() as session:
        try:
            found = customer_keys(session, customer_slug)
        except LookupError as exc:
            raise click.ClickException(str(exc)) from None
        click.echo("\t".join(("prefix", "role", "name", "created", "last_used", "state")))
        for key in found:
            click.echo("\t".join((key.prefix, key.role, key.name or "-", _when(key.created_at),
                                  _when(key.last_used_at), _state(key))))


@keys.command("revoke")
@click.option("--customer", "customer_slug", required=True, metavar="SLUG")
@click.argument("prefix")
@pass_app
def revoke(app: AppContext, customer_slug: str, prefix: str) -> None:
    """Revoke the key starting with PREFIX (as `jobmatch keys list` shows it); it stops working at once."""
    with app.sessions.begin() as session:
        try:
            key = revoke_key(session, customer_slug, prefix)
        except LookupError as exc:
            raise click.ClickException(str(exc)) from None
        click.echo(f"revoked {key.prefix} ({key.name or key.role}) at {_when(key.revoked_at)}")


def _when(moment: datetime | None) -> str:
    return moment.strftime("%Y-%m-%d %H:%M") if moment else "never"


def _state(key: ApiKey) -> str:
    if key.revoked_at is not None:
        return f"revoked {_when(key.revoked_at)}"
    if key.expires_at is not None:
        return f"{'expired' if key.expires_at <= utcnow() else 'expires'} {_when(key.expires_at)}"
    return "active"
