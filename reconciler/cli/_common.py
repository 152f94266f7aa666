"""Shared CLI plumbing: the context object and how a run summary is shown."""

from __future__ import annotations

import json
from dataclasses import dataclass

import click

from reconciler.config import Settings, load_settings
from reconciler.runs import RunSummary


@dataclass
class Ctx:
    db: str
    config_path: str | None
    verbose: int
    quiet: bool
    debug: bool
    settings: Settings

    @classmethod
    def create(
        cls, db: str, config_path: str | None, verbose: int, quiet: bool, debug: bool
    ) -> Ctx:
        """Validate the settings before any verb does I/O (exit 2 on a bad file)."""
        return cls(db, config_path, verbose, quiet, debug, load_settings(config_path))


def show_summary(ctx: Ctx, summary: RunSummary, *, as_json: bool = False) -> int:
    """Print the run summary (stderr, or JSON on stdout) and return the exit code."""
    if as_json:
        click.echo(json.dumps(summary.asdict(), indent=2))
    elif not ctx.quiet:
        click.echo(summary.asstr(), err=True)
    return summary.exit_code
