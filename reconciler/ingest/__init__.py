"""Ingest stages: invocation logs, CloudWatch, metrics and invoices into DuckDB."""
