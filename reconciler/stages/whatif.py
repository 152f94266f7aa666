"""What-if: the window's logged usage re-rated under each way of buying Bedrock.

Every scenario starts from the rows of the ``spend`` view (the bill as rated) and moves each row
to another price key - global routing, batch mode, another tier, no cache or a cache, another
model - then prices the new key with the rating stage's own rules (``queries/whatif/``: the
``price_book`` precedence and the price effective on each usage day, DECIMAL(38, 12) money, the
same negotiated discounts). Because each scenario re-rates every spend row once (rows a
scenario does not touch are ``unchanged``), a scenario's current cost sums to the window's spend
total exactly. A move with no price for its target is an unpriced row (NULL what-if cost, left
out of the totals), never $0. Provisioned throughput is the exception in shape: it compares an
account's on-demand usage of a model in a Region with model-unit hours sized by a stated
capacity, at each commitment term of the price book. A second target for the same usage (tier's
remaining tier, the 1- and 6-month terms) is an ``alternative`` row, outside the current total.

The result is computed in temporary tables, so ``reconciler whatif --no-save`` works on a
read-only connection; :func:`store_whatif` materialises it into ``whatif_rows`` (the ``whatif``
view), replacing the same window.
"""

from __future__ import annotations

import dataclasses
import functools
import hashlib
import json
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path
from typing import Any

import duckdb

from reconciler.core.arrow import pa
from reconciler.core.clock import utc_now
from reconciler.core.config import WhatifConfig
from reconciler.core.errors import ConfigError
from reconciler.db.publish import write_if_changed
from reconciler.db.runs import StageResult
from reconciler.db.sql import load, queries_dir

__all__ = [
    "DIRECTIONS",
    "SCENARIOS",
    "ScenarioTotal",
    "Whatif",
    "WhatifOptions",
    "WhatifRow",
    "compute_whatif",
    "inputs_key",
    "options_from_config",
    "parse_moves",
    "refresh_whatif",
    "store_whatif",
    "stored_rows",
]

SCENARIOS = ("routing_global", "batch", "tier", "caching", "provisioned", "model_switch")
"""Scenario names, in the order they are reported."""

DIRECTIONS = ("opportunity", "candidate", "reverse", "alternative", "unchanged")
"""opportunity: the scenario's move for usage it applies to; candidate: a move that depends on
something we cannot see (can it wait for batch? do prompts repeat?); reverse: the opposite move,
what the current choice is worth; alternative: a second target for usage another row of the
scenario already re-prices (tier: the remaining tier), left out of the current-cost total;
unchanged: rows the scenario leaves alone."""

_SCENARIO_FILES = {
    "routing_global": ("whatif/routing_global", "whatif/unchanged"),
    "batch": ("whatif/batch", "whatif/unchanged"),
    "tier": ("whatif/tier", "whatif/unchanged"),
    "caching": ("whatif/caching", "whatif/unchanged"),
    "provisioned": ("whatif/provisioned_rest",),
    "model_switch": ("whatif/model_switch", "whatif/unchanged"),
}
"""The files that fill wf_moves for each scenario: its own moves, then the rows it leaves alone
(provisioned sums its usage per account, model and Region instead: provisioned_rest marks the
rest, provisioned.sql adds its rows after pricing)."""


@dataclass(frozen=True)
class WhatifOptions:
    """The assumptions of one what-if computation (from ``[whatif]`` and the command line)."""

    scenarios: tuple[str, ...] = SCENARIOS
    batch_applications: tuple[str, ...] = ()
    cache_hit_rate: Decimal = Decimal("0.5")
    cache_min_input_tokens: int = 1024
    moves: tuple[tuple[str, str], ...] = ()
    model_unit_tokens_per_minute: dict[str, int] = field(default_factory=dict)
    config_hit_rate: Decimal = Decimal("0.5")
    """The configured hit rate: the reproducing command names --hit-rate only when it differs."""


@dataclass(frozen=True)
class WhatifRow:
    scenario: str
    direction: str
    team: str
    application: str
    base_model: str
    region: str
    from_: str
    to: str
    quantity: int
    unit: str
    current_cost_usd: Decimal | None
    whatif_cost_usd: Decimal | None
    savings_usd: Decimal | None
    priced: bool
    unpriced_reason: str | None
    assumption: str
    detail: str
    rank: int | None
    command: str


@dataclass(frozen=True)
class ScenarioTotal:
    """One scenario's totals. ``current_cost_usd`` is over every row but the ``alternative`` ones
    (= the spend total: each spend row once); the savings are over priced rows only, per
    direction; unpriced rows are counted, not summed."""

    scenario: str
    current_cost_usd: Decimal
    savings_usd: dict[str, Decimal]
    unpriced_rows: int
    unpriced_current_cost_usd: Decimal


@dataclass(frozen=True)
class Whatif:
    start: date
    end: date
    options: WhatifOptions
    rows: tuple[WhatifRow, ...]
    spend_total_usd: Decimal
    unpriced_spend_rows: int = 0
    """Spend rows of the window with no price today (a finding of rating, not of the what-if)."""
    spend_rows: int = 0
    """Spend rows in the window: 0 means nothing was rated there (nothing to re-rate)."""

    def scenario_rows(self, scenario: str) -> list[WhatifRow]:
        return [r for r in self.rows if r.scenario == scenario]

    def total(self, scenario: str) -> ScenarioTotal:
        rows = self.scenario_rows(scenario)
        savings = {
            d: sum(
                (r.savings_usd for r in rows if r.direction == d and r.savings_usd is not None),
                Decimal(0),
            )
            for d in DIRECTIONS
            if d != "unchanged"
        }
        unpriced = [r for r in rows if not r.priced]
        once = [r for r in rows if r.direction != "alternative"]  # each spend row once
        unpriced_once = [r for r in unpriced if r.direction != "alternative"]
        return ScenarioTotal(
            scenario=scenario,
            current_cost_usd=sum((r.current_cost_usd or Decimal(0) for r in once), Decimal(0)),
            savings_usd=savings,
            unpriced_rows=len(unpriced),
            unpriced_current_cost_usd=sum(
                (r.current_cost_usd or Decimal(0) for r in unpriced_once), Decimal(0)
            ),
        )

    def top(self, scenario: str, n: int) -> list[WhatifRow]:
        """The scenario's rows that change something, best saving first, unpriced last."""
        rows = [r for r in self.scenario_rows(scenario) if r.direction != "unchanged"]
        rows.sort(
            key=lambda r: (
                r.savings_usd is None,
                -(r.savings_usd or 0),
                r.team,
                r.application,
                r.base_model,
                r.region,
            )
        )
        return rows[:n]


def parse_moves(texts: Iterable[str]) -> tuple[tuple[str, str], ...]:
    """``FROM=TO`` base model ids; a model moved twice or onto itself is a usage error."""
    moves: dict[str, str] = {}
    for text in texts:
        src, sep, dst = (part.strip() for part in text.partition("="))
        if not sep or not src or not dst:
            raise ConfigError(f"--move {text!r}: give FROM_MODEL=TO_MODEL (base model ids)")
        if src == dst:
            raise ConfigError(f"--move {text!r}: a model cannot move onto itself")
        if src in moves and moves[src] != dst:
            raise ConfigError(f"--move: {src} is moved twice ({moves[src]} and {dst}); keep one")
        moves[src] = dst
    return tuple(sorted(moves.items()))


def options_from_config(
    config: WhatifConfig,
    *,
    scenarios: Sequence[str] = (),
    moves: Sequence[str] = (),
    hit_rate: Decimal | None = None,
) -> WhatifOptions:
    """Settings ``[whatif]`` with the command line's additions (--scenario, --move, --hit-rate)."""
    unknown = [s for s in scenarios if s not in SCENARIOS]
    if unknown:
        raise ConfigError(
            f"--scenario: unknown {', '.join(map(repr, unknown))}; "
            f"choose from {', '.join(SCENARIOS)}"
        )
    if hit_rate is not None and not Decimal(0) < hit_rate <= Decimal(1):
        raise ConfigError(f"--hit-rate {hit_rate}: give a share above 0 and at most 1, e.g. 0.5")
    chosen = tuple(s for s in SCENARIOS if s in scenarios) if scenarios else SCENARIOS
    return WhatifOptions(
        scenarios=chosen,
        batch_applications=tuple(config.batch_applications),
        cache_hit_rate=hit_rate if hit_rate is not None else config.cache_hit_rate,
        cache_min_input_tokens=config.cache_min_input_tokens,
        moves=parse_moves([*config.moves, *moves]),
        model_unit_tokens_per_minute=dict(config.model_unit_tokens_per_minute),
        config_hit_rate=config.cache_hit_rate,
    )


_RATING_MACRO_VIEWS = ("views/price_book", "views/discount_book")
"""The view files that define the macros rating and reprice.sql share."""


def _ensure_rating_macros(con: duckdb.DuckDBPyConnection) -> None:
    """Define, for this connection only, the shared rating macros the database lacks: a
    database last written by an older version, opened read-only (``whatif --no-save``), has
    the views but not the macros added since (a writer's migrate re-creates them all)."""
    have = {str(r[0]) for r in con.execute(load("whatif/macros_present")).fetchall()}
    for view in _RATING_MACRO_VIEWS:
        for chunk in load(view).split(";\n"):
            statement = "\n".join(
                line for line in chunk.splitlines() if not line.lstrip().startswith("--")
            ).strip()
            prefix = "CREATE OR REPLACE MACRO "
            if statement.startswith(prefix):
                name = statement[len(prefix) :].split("(", 1)[0].strip()
                if name not in have:
                    con.execute(statement.replace(prefix, "CREATE OR REPLACE TEMP MACRO ", 1))


def _script(con: duckdb.DuckDBPyConnection, name: str, params: dict[str, Any]) -> None:
    """Run the statements of ``queries/<name>.sql`` in order, each with the ``$parameters`` it
    uses (DuckDB binds parameters to one statement, and rejects ones it does not use)."""
    for chunk in load(name).split(";\n"):
        statement = "\n".join(
            line for line in chunk.splitlines() if not line.lstrip().startswith("--")
        ).strip()
        if statement:
            con.execute(statement, {k: v for k, v in params.items() if f"${k}" in statement})


def compute_whatif(
    con: duckdb.DuckDBPyConnection, start: date, end: date, options: WhatifOptions
) -> Whatif:
    """Re-rate the spend of the UTC days ``start``..``end`` (inclusive) under each scenario.

    Works on a read-only connection (temporary tables only)."""
    if start > end:
        raise ConfigError(f"--start {start} is after --end {end}: give start <= end")
    window = {"start": start, "end": end}
    con.execute(load("whatif/base"), window)
    con.execute(
        load("whatif/move_map"),
        {"move_from": [a for a, _ in options.moves], "move_to": [b for _, b in options.moves]},
    )
    capacity = sorted(options.model_unit_tokens_per_minute.items())
    con.execute(
        load("whatif/capacity"),
        {"capacity_model": [k for k, _ in capacity], "capacity_tpm": [v for _, v in capacity]},
    )
    params = {
        "batch_apps": list(options.batch_applications),
        "hit_rate": options.cache_hit_rate,
        "hit_rate_text": format(options.cache_hit_rate.normalize(), "f"),
        "min_input": options.cache_min_input_tokens,
    }
    for scenario in options.scenarios:
        for name in _SCENARIO_FILES[scenario]:
            _script(con, name, params | {"scenario": scenario})
    _ensure_rating_macros(con)
    con.execute(load("whatif/reprice"))
    con.execute(load("whatif/summarise"))
    if "provisioned" in options.scenarios:
        con.execute(load("whatif/provisioned"), window)
    fetched = con.execute(load("whatif/result")).fetchall()
    spend_total, unpriced, spend_rows = con.execute(load("whatif/spend_total"), window).fetchall()[
        0
    ]
    order = {s: i for i, s in enumerate(SCENARIOS)}
    rows = sorted((_row(r, start, end, options) for r in fetched), key=lambda r: order[r.scenario])
    return Whatif(
        start, end, options, tuple(rows), Decimal(spend_total), int(unpriced), int(spend_rows)
    )


def _row(r: tuple[Any, ...], start: date, end: date, options: WhatifOptions) -> WhatifRow:
    (scenario, direction, team, application, base_model, region, from_, to, quantity, unit,
     current, whatif, savings, priced, reason, assumption, rank, d_read, d_w5, d_w1h,
     t_read, t_w5, t_w1h, peak, tpm, units, unit_cost, _price_ids) = r  # fmt: skip
    detail = ""
    if scenario == "caching" and direction != "candidate" and direction != "unchanged":
        detail = _cache_detail(t_read, d_read, t_w5, d_w5, t_w1h, d_w1h)
    elif scenario == "provisioned" and units is not None:
        detail = _provisioned_detail(
            start,
            end,
            peak,
            tpm,
            units,
            unit_cost if priced else None,  # a term priced on some days only: no hourly figure
            current,
            quantity,
        )
    return WhatifRow(
        scenario=str(scenario),
        direction=str(direction),
        team=str(team),
        application=str(application),
        base_model=str(base_model),
        region=str(region),
        from_=str(from_),
        to=str(to),
        quantity=int(quantity),
        unit=str(unit),
        current_cost_usd=current,
        whatif_cost_usd=whatif,
        savings_usd=savings,
        priced=bool(priced),
        unpriced_reason=None if reason is None else str(reason),
        assumption=str(assumption),
        detail=detail,
        rank=None if rank is None else int(rank),
        command=reproduce_command(str(scenario), start, end, options),
    )


def reproduce_command(scenario: str, start: date, end: date, options: WhatifOptions) -> str:
    """The command line that recomputes one scenario with the same assumptions."""
    parts = ["reconciler whatif", f"--start {start}", f"--end {end}", f"--scenario {scenario}"]
    if scenario == "model_switch":
        parts += [f"--move {a}={b}" for a, b in options.moves]
    if scenario == "caching" and options.cache_hit_rate != options.config_hit_rate:
        parts.append(f"--hit-rate {options.cache_hit_rate}")
    return " ".join(parts)


def _usd(value: Decimal | None) -> str:
    if value is None:
        return "unpriced"
    cents = value.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
    return f"${cents if cents else abs(cents):,}"


def _cache_detail(
    t_read: int | None,
    d_read: Decimal | None,
    t_w5: int | None,
    d_w5: Decimal | None,
    t_w1h: int | None,
    d_w1h: Decimal | None,
) -> str:
    """Reads save (their delta is negative: uncached would cost more); writes cost a premium."""
    parts = []
    if t_read:
        parts.append(f"{t_read:,} cache-read tokens saved {_usd(-d_read if d_read else d_read)}")
    if t_w5:
        parts.append(f"{t_w5:,} 5-minute write tokens cost {_usd(d_w5)} extra")
    if t_w1h:
        parts.append(f"{t_w1h:,} 1-hour write tokens cost {_usd(d_w1h)} extra")
    return "; ".join(parts)


def _provisioned_detail(
    start: date,
    end: date,
    peak: int,
    tpm: int | None,
    units: int,
    unit_cost: Decimal | None,
    current: Decimal,
    tokens: int,
) -> str:
    """Cost per hour both ways, and the utilisation at which they cost the same."""
    days = (end - start).days + 1
    hours = days * 24
    parts = [f"busiest hour {peak:,} tokens", f"on-demand {_usd(current / hours)}/hour"]
    if tpm and unit_cost is not None and units > 0:
        mu_hour = unit_cost / hours
        cost_pt = unit_cost * units
        capacity = Decimal(units * tpm * 60 * hours)
        parts.append(f"{units} MU x {_usd(mu_hour)}/MU-hour = {_usd(mu_hour * units)}/hour")
        parts.append(f"utilisation {_pct(tokens / capacity)}")
        if current > 0:
            # tokens whose on-demand cost equals the units' cost, as a share of their capacity
            parts.append(f"break-even utilisation {_pct(cost_pt * tokens / current / capacity)}")
    return "; ".join(parts)


def _pct(share: Decimal) -> str:
    return f"{(share * 100).quantize(Decimal('0.1'))}%"


_STORE_COLUMNS = (
    "window_start, window_end, scenario, direction, team, application, base_model, region, "
    '"from", "to", quantity, unit, current_cost_usd, whatif_cost_usd, savings_usd, priced, '
    "unpriced_reason, assumption, detail, rank, command, run_id, computed_at"
)


def inputs_key(
    con: duckdb.DuckDBPyConnection, start: date, end: date, options: WhatifOptions
) -> str:
    """What a what-if of ``start``..``end`` depends on: the window's rated and hourly usage, the
    prices and discounts (``whatif/inputs_key.sql``), the settings (every field of ``options``:
    ``[whatif]``, --scenario, --move, --hit-rate) and the what-if code and SQL. Equal keys mean a
    recomputation would store the same rows (the nightly ``run`` then reuses them)."""
    rows = con.execute(load("whatif/inputs_key"), {"start": start, "end": end}).fetchall()
    key = hashlib.sha256(_code_version().encode())
    key.update(json.dumps(dataclasses.asdict(options), sort_keys=True, default=str).encode())
    key.update(str(rows[0][0]).encode())  # fetchall: the connection registers a table next
    return key.hexdigest()


@functools.cache
def _code_version() -> str:
    """This module and the SQL it runs (scenarios and the views they read): an upgrade that
    changes them recomputes every window once."""
    code = hashlib.sha256(Path(__file__).read_bytes())
    views = queries_dir() / "views"
    for path in sorted(
        [
            *(queries_dir() / "whatif").glob("*.sql"),
            *(views / f"{name}.sql" for name in ("spend", "usage_hourly", "price_book")),
        ]
    ):
        code.update(path.name.encode())
        code.update(path.read_bytes())
    return code.hexdigest()


def _arrow_rows(result: Whatif, run_id: str, now: datetime) -> pa.Table:
    """The rows as an Arrow table in ``_STORE_COLUMNS`` order: one bulk insert (executemany is
    ~5 ms a row), amounts as exact decimal128(38, 12)."""
    rows = result.rows
    n = len(rows)
    money = pa.decimal128(38, 12)

    def col(values: list[Any], kind: pa.DataType) -> pa.Array:
        return pa.array(values, type=kind)

    return pa.table(
        [
            col([result.start] * n, pa.date32()),
            col([result.end] * n, pa.date32()),
            col([r.scenario for r in rows], pa.string()),
            col([r.direction for r in rows], pa.string()),
            col([r.team for r in rows], pa.string()),
            col([r.application for r in rows], pa.string()),
            col([r.base_model for r in rows], pa.string()),
            col([r.region for r in rows], pa.string()),
            col([r.from_ for r in rows], pa.string()),
            col([r.to for r in rows], pa.string()),
            col([r.quantity for r in rows], pa.int64()),
            col([r.unit for r in rows], pa.string()),
            col([r.current_cost_usd for r in rows], money),
            col([r.whatif_cost_usd for r in rows], money),
            col([r.savings_usd for r in rows], money),
            col([r.priced for r in rows], pa.bool_()),
            col([r.unpriced_reason for r in rows], pa.string()),
            col([r.assumption for r in rows], pa.string()),
            col([r.detail for r in rows], pa.string()),
            col([r.rank for r in rows], pa.int32()),
            col([r.command for r in rows], pa.string()),
            col([run_id] * n, pa.string()),
            col([now] * n, pa.timestamp("us")),
        ],
        names=[c.strip().strip('"') for c in _STORE_COLUMNS.split(",")],
    )


def store_whatif(
    con: duckdb.DuckDBPyConnection, result: Whatif, *, run_id: str, findings: bool = True
) -> StageResult:
    """Replace the window's rows of ``whatif_rows`` (the ``whatif`` view) with ``result``.

    ``findings``: count the window's unpriced spend rows as findings (the ``whatif`` command);
    the nightly ``run`` has counted them in its rate stage already."""
    t0 = time.perf_counter()
    now = utc_now()
    window = {"start": result.start, "end": result.end}
    key = inputs_key(con, result.start, result.end, result.options)
    stage = _stage_result(result, findings)
    con.register("wf_store", _arrow_rows(result, run_id, now))
    try:
        with write_if_changed(con, load("whatif/stored")):  # the same again writes nothing
            _script(
                con,
                "whatif/store",
                window
                | {"inputs_key": key, "stage": json.dumps(dataclasses.asdict(stage))}
                | {"run_id": run_id, "computed_at": now},
            )
    finally:
        con.unregister("wf_store")
    stage.seconds = time.perf_counter() - t0
    return stage


def _stage_result(result: Whatif, findings: bool) -> StageResult:
    amounts = {
        f"{s}_savings_usd": format(result.total(s).savings_usd["opportunity"], "f")
        for s in result.options.scenarios
    }
    return StageResult(
        "whatif",
        rows_out=len(result.rows),
        counts={"unpriced_rows": sum(1 for r in result.rows if not r.priced)},
        amounts=amounts,
        findings=result.unpriced_spend_rows if findings else 0,
    )


def refresh_whatif(
    con: duckdb.DuckDBPyConnection, config: WhatifConfig, start: date, end: date, run_id: str
) -> StageResult:
    """The nightly ``run``'s step: the window's what-if with the ``[whatif]`` settings, stored.

    When the window's stored what-if has the same :func:`inputs_key` (same data, settings and
    code), it is reused as it is: nothing is recomputed or written (a no-op nightly run)."""
    t0 = time.perf_counter()
    options = options_from_config(config)
    if start <= end:
        stored = con.execute(load("whatif/window_key"), {"start": start, "end": end}).fetchone()
        if stored is not None and stored[0] == inputs_key(con, start, end, options):
            reused = StageResult(**json.loads(stored[1]))
            reused.seconds = time.perf_counter() - t0
            return reused
    result = compute_whatif(con, start, end, options)
    stage = store_whatif(con, result, run_id=run_id, findings=False)
    stage.seconds = time.perf_counter() - t0
    return stage


def stored_rows(con: duckdb.DuckDBPyConnection, start: date, end: date) -> list[WhatifRow]:
    """The rows the ``whatif`` view holds for exactly this window (empty when never computed)."""
    fetched = con.execute(load("whatif/stored_rows"), {"start": start, "end": end}).fetchall()
    return [WhatifRow(*row) for row in fetched]
