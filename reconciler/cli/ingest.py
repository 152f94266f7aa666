"""``reconciler ingest ...``: load invocation logs, CloudWatch records, metrics and invoices."""

from __future__ import annotations

import click

from reconciler.cli._lazy import LazyGroup


# Each source has its own module so the verbs stay small and independent.
@click.group(
    cls=LazyGroup,
    lazy_subcommands={
        "cloudwatch": "reconciler.cli.ingest_cloudwatch:cloudwatch",
        "facts": "reconciler.cli.ingest_facts:facts",
        "invoice": "reconciler.cli.ingest_invoice:invoice",
        "logs": "reconciler.cli.ingest_logs:logs",
        "metrics": "reconciler.cli.ingest_metrics:metrics",
    },
)
def ingest() -> None:
    """Load data into the database (incremental: already-loaded objects are skipped)."""
