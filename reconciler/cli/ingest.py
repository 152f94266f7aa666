"""``reconciler ingest ...``: load invocation logs, CloudWatch records, metrics and invoices."""

from __future__ import annotations

import click


@click.group()
def ingest() -> None:
    """Load data into the database (incremental: already-loaded objects are skipped)."""


def _register() -> None:
    # Each source has its own module so the verbs stay small and independent.
    from reconciler.cli import ingest_cloudwatch, ingest_invoice, ingest_logs, ingest_metrics

    ingest.add_command(ingest_logs.logs)
    ingest.add_command(ingest_cloudwatch.cloudwatch)
    ingest.add_command(ingest_invoice.invoice)
    ingest.add_command(ingest_metrics.metrics)


_register()
