"""`jobmatch integrations`: a customer's ATS connections through Kombo."""

import click
from sqlalchemy import func, select

from jobmatch.cli.context import AppContext, pass_app
from jobmatch.store.models import AtsJob, Customer, Integration
from jobmatch.sync.kombo import JOB_STATUSES, status_filter

EVERY_STATUS = "all"


class Statuses(click.ParamType):
    """`OPEN,DRAFT` (Kombo's job statuses, comma-separated) or `all`: the statuses the integration's reads ask for."""

    name = "statuses"

    def convert(self, value: object, param: click.Parameter | None, ctx: click.Context | None) -> list[str] | None:
        if isinstance(value, list) or value is None:
            return value
        text = str(value).strip()
        if text.lower() == EVERY_STATUS:
            return None
        try:
            return status_filter(part for part in text.split(",") if part.strip())
        except ValueError as exc:
            self.fail(str(exc), param, ctx)


STATUSES_HELP = f"Job statuses to read, comma-separated ({','.join(JOB_STATUSES)}), or '{EVERY_STATUS}' (the default)."


@click.group()
def integrations() -> None:
    """Integrations: one customer's ATS, as Kombo names it (tool:id)."""


@integrations.command("add")
@click.option("--customer", "slug", required=True, help="The customer's slug.")
@click.option("--integration-id", required=True, help="Kombo's integration id, like personio:CBNMt7dSNCzBdnRTx87dev4E.")
@click.option("--statuses", type=Statuses(), default=EVERY_STATUS, help=STATUSES_HELP)
@pass_app
def add(app: AppContext, slug: str, integration_id: str, statuses: list[str] | None) -> None:
    """Connect a customer to a Kombo integration; the first `jobmatch sync` then mirrors its jobs."""
    tool, sep, rest = integration_id.partition(":")
    if not (sep and tool and rest):
        raise click.BadParameter("expected tool:id, like personio:CBNMt7dSNCzBdnRTx87dev4E", param_hint="--integration-id")
    with app.sessions.begin() as session:
        customer = session.scalar(select(Customer).where(Customer.slug == slug))
        if customer is None:
            raise click.ClickException(f"no customer {slug!r}; add it with: jobmatch customers add {slug}")
        existing = session.get(Integration, integration_id)
        if existing is not None:
            raise click.ClickException(f"integration {integration_id} already belongs to customer {existing.customer.slug}")
        session.add(Integration(id=integration_id, customer=customer, tool=tool, statuses=statuses))
    click.echo(f"integration {integration_id} added to {slug}; run `jobmatch sync --integration {integration_id}`")


@integrations.command("set")
@click.option("--integration-id", required=True, help="Kombo's integration id.")
@click.option("--statuses", type=Statuses(), required=True, help=STATUSES_HELP)
@pass_app
def set_integration(app: AppContext, integration_id: str, statuses: list[str] | None) -> None:
    """Change an integration's settings; the next read (incremental or full) asks for the statuses chosen."""
    with app.sessions.begin() as session:
        integration = session.get(Integration, integration_id)
        if integration is None:
            raise click.ClickException(f"no integration {integration_id!r}; add it with `jobmatch integrations add`")
        integration.statuses = statuses
    click.echo(f"integration {integration_id} reads {_statuses(statuses)}")


def _statuses(statuses: list[str] | None) -> str:
    return "every status" if statuses is None else "statuses " + ",".join(statuses)


@integrations.command("list")
@pass_app
def list_integrations(app: AppContext) -> None:
    """List integrations with their state, watermark and job counts."""
    with app.sessions() as session:
        counts = dict(session.execute(select(AtsJob.integration_id, func.count()).group_by(AtsJob.integration_id)).all())
        for integration in session.scalars(select(Integration).order_by(Integration.id)):
            watermark = integration.watermark.isoformat() if integration.watermark else "-"
            line = f"{integration.id}\t{integration.customer.slug}\t{integration.setup_state}\tjobs={counts.get(integration.id, 0)}\twatermark={watermark}"
            if integration.statuses is not None:
                line += f"\tstatuses={','.join(integration.statuses)}"
            if integration.needs_action_reason:
                line += f"\tNEEDS CUSTOMER ACTION: {integration.needs_action_reason}"
            click.echo(line)
