"""The `jobmatch` command. Subcommands are imported when used, so `jobmatch sync` starts without loading the
matcher, Alembic or the fake Kombo."""

from importlib import import_module

import click

COMMANDS = {
    "db": ("jobmatch.cli.db", "db", "Database schema."),
    "customers": ("jobmatch.cli.customers", "customers", "Customers: each owns its integrations, postings and keys."),
    "keys": ("jobmatch.cli.keys", "keys", "API keys of a customer, with roles poster, reviewer, admin."),
    "integrations": ("jobmatch.cli.integrations", "integrations", "Integrations: one customer's ATS through Kombo."),
    "sync": ("jobmatch.cli.sync", "sync", "Mirror ATS jobs from Kombo (full, then incremental)."),
    "lookup": ("jobmatch.cli.sync", "lookup", "Fetch the jobs a customer named (codes, ids, a URL) now."),
    "match-file": ("jobmatch.cli.match", "match_file", "Match a file of postings against a file of ATS jobs."),
    "fake-kombo": ("jobmatch.cli.fake_kombo", "fake_kombo", "Serve a fake Kombo for demos and development."),
    "demo": ("jobmatch.cli.demo", "demo", "The embedded default end to end, with a fake Kombo."),
    "serve": ("jobmatch.cli.serve", "serve", "Serve the API, with the task queue's consumer in the same process."),
    "worker": ("jobmatch.cli.worker", "worker", "Run the task queue's consumer (syncs, re-matching)."),
}


class LazyGroup(click.Group):
    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted(COMMANDS)

    def get_command(self, ctx: click.Context, name: str) -> click.Command | None:
        if name not in COMMANDS:
            return None
        module, attribute, _ = COMMANDS[name]
        return getattr(import_module(module), attribute)

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        """List the commands from COMMANDS without importing them all."""
        with formatter.section("Commands"):
            formatter.write_dl([(name, short_help) for name, (_, _, short_help) in sorted(COMMANDS.items())])


@click.group(cls=LazyGroup)
@click.version_option(package_name="jobmatch")
def main() -> None:
    """Link jobs from multiposters and back offices to the customer's ATS jobs, mirrored through Kombo."""
