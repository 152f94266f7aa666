"""Lazy command registration: a group that imports a verb's module only when it is needed.

Importing every verb (and the libraries behind them: Polars, DuckDB, boto3, pyarrow) cost every
command about 0.6 s before it did anything. A :class:`LazyGroup` names its sub-commands as
``"module:attribute"`` and imports the module on first lookup, so ``reconciler run`` imports the
``run`` verb only; ``--help`` imports the verbs' modules (for their one-line help), which is cheap
because those modules import their libraries inside the command functions.
"""

from __future__ import annotations

import importlib
from typing import Any

import click


class LazyGroup(click.Group):
    """A click group whose sub-commands are imported from ``module:attribute`` on first use."""

    def __init__(self, *args: Any, lazy_subcommands: dict[str, str] | None = None, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.lazy_subcommands: dict[str, str] = dict(lazy_subcommands or {})

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted({*super().list_commands(ctx), *self.lazy_subcommands})

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        target = self.lazy_subcommands.get(cmd_name)
        if target is None or cmd_name in self.commands:
            return super().get_command(ctx, cmd_name)
        module_name, attribute = target.split(":", 1)
        command = getattr(importlib.import_module(module_name), attribute)
        if not isinstance(command, click.Command):
            raise TypeError(f"{target} is not a click command")  # a registration bug
        self.commands[cmd_name] = command
        return command
