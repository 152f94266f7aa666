"""Allocation: split the invoiced cost of every reconciliation bucket to teams and applications.

Inputs: ``reconciliation_rows`` (invoiced cost per bucket), ``rated_usage`` (who used the bucket),
``invoice_line_items`` and ``usage_hourly_facts`` (idle provisioned hours).
Output: ``allocated_spend_rows`` (the ``allocated_spend`` view sums it to the contract grain).

How a bucket is split (docs/reconciliation.md has the user-facing version):

* A bucket with logged usage goes to its teams in proportion to their rated cost, or to their
  tokens when any of the bucket's usage is unpriced or rated at zero.
* A token bucket with nothing logged (unlogged usage, or a credit for it) goes to ``unattributed``;
  so do unmapped usage types: there is no rated share to go by.
* Non-token charges with nothing logged follow ``Settings.allocation``: the usage share of the
  related model (else of the account and Region that day, else of the account that day), an even
  split across the account's teams active that day, or a named owner team. Only ``owner`` may
  cross accounts: ``even`` and ``usage_share`` never put account A's charge on account B's teams
  (no usage in the account that day: ``unattributed``). Provisioned hours are first split into
  busy and idle: idle hours become their own line (team ``idle``, or the owner), busy hours go by
  the tokens the teams sent through provisioned capacity. Custom Model Import minutes go by the
  tokens the teams sent to imported models in that account and Region that day.
* Credits, taxes and fees that name no model go by the rated cost of the teams of the SAME
  account that day (else that billing period); with no rated usage in the account, to
  ``unattributed``. A credit on account A never lands on account B's teams.

Rounding happens once per billing period, by largest remainder: every exact share is floored to
the cent, and the cents still missing to reach the period's invoiced total (rounded half-up, as
AWS rounds its invoices) go to the shares with the largest remainders, ties broken by the row
key. So a period's rows sum to its invoice to the cent, and no cent is created or lost. Because
the invoice is monthly, a window is widened to whole billing periods, which are replaced as a
whole (idempotent); rows of earlier days may move by one cent when later days arrive.
"""

from __future__ import annotations

import time
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import ROUND_FLOOR, ROUND_HALF_EVEN, ROUND_HALF_UP, Decimal, localcontext
from typing import Any

import duckdb
import pyarrow as pa

from reconciler.core.config import AllocationConfig
from reconciler.core.vocabulary import TOKEN_CHARGES
from reconciler.db import sql
from reconciler.db.connect import transaction
from reconciler.db.stage import StageContext, StageResult

__all__ = ["READS", "WRITES", "Share", "largest_remainder", "run", "split"]

READS = ("reconciliation_rows", "rated_usage", "invoice_line_items", "usage_hourly_facts")
WRITES = ("allocated_spend_rows",)

CENT = Decimal("0.01")
_EXACT = Decimal("1e-12")  # DECIMAL(38, 12)
# capacity charges and the mode of the tokens they bill: busy capacity goes by those tokens
CAPACITY_CHARGES = {"model_unit_hours": "provisioned", "custom_model_unit_minutes": "custom_import"}
UNATTRIBUTED = "unattributed"
SHARED_APP = "shared"

Key = tuple[Any, ...]  # usage_date, account_id, region, base_model, routing, tier, mode, charge
Weights = dict[tuple[str, str], Decimal]  # (team, application) -> weight


@dataclass(frozen=True)
class Share:
    """One exact (unrounded) share of a bucket's invoiced cost."""

    usage_date: date
    account_id: str | None
    team: str
    application: str
    base_model: str | None
    charge: str
    line: str
    basis: str
    exact_usd: Decimal

    def sort_key(self) -> tuple[Any, ...]:
        """Row key and tie-break order; the account last, so ties within one account go by
        (date, team, application, model, charge, line, basis) as documented."""
        return (
            self.usage_date,
            self.team,
            self.application,
            self.base_model or "",
            self.charge,
            self.line,
            self.basis,
            self.account_id or "",
        )


def split(amount: Decimal, weights: Sequence[Decimal]) -> list[Decimal]:
    """``amount`` in proportion to ``weights`` (all zero: equal parts), summing exactly.

    Shares are kept at DECIMAL(38, 12) precision and the last one takes what is left, so the
    parts always add up to ``amount``; division is safe here because it is Python's Decimal.
    """
    if not weights:
        raise ValueError("split needs at least one weight")
    total = sum(weights, Decimal(0))
    parts: list[Decimal] = []
    with localcontext() as ctx:
        ctx.prec = 60
        for w in weights[:-1]:
            ratio = (w / total) if total else Decimal(1) / len(weights)
            parts.append((amount * ratio).quantize(_EXACT, rounding=ROUND_HALF_EVEN))
    parts.append(amount - sum(parts, Decimal(0)))
    return parts


def largest_remainder(values: Sequence[Decimal], unit: Decimal = CENT) -> list[Decimal]:
    """Round ``values`` to ``unit`` so they sum to their total rounded half-up to ``unit``.

    The total is rounded the way AWS rounds the invoice it came from: half-up (ties away from
    zero), so the allocated cents equal the amount the payer sees, e.g. $0.025 -> $0.03 where
    banker's rounding would give $0.02 and the allocation would be a cent short of the bill.
    Each value is floored; the units still missing go one each to the largest remainders, ties
    to the earlier position (callers sort by row key first, so ties are deterministic).
    """
    floors = [v.quantize(unit, rounding=ROUND_FLOOR) for v in values]
    target = sum(values, Decimal(0)).quantize(unit, rounding=ROUND_HALF_UP)
    missing = int((target - sum(floors, Decimal(0))) / unit)
    order = sorted(range(len(values)), key=lambda i: (-(values[i] - floors[i]), i))
    result = list(floors)
    for i in order[:missing]:
        result[i] += unit
    return result


def run(ctx: StageContext) -> StageResult:
    """Allocate the billing periods that ``ctx.window()`` touches, replacing what was there."""
    began = time.perf_counter()
    con, settings = ctx.con, ctx.settings
    start, end = ctx.window()
    p_start, p_end = start.replace(day=1), _month_end(end)
    window = {"start": p_start, "end": p_end}
    with transaction(con):
        buckets = sql.execute(con, "stages/allocate_buckets", window).fetchall()
        weights = sql.execute(con, "stages/allocate_weights", window).fetchall()
        idle_rows = sql.execute(con, "stages/allocate_idle", window).fetchall()
        idle = {tuple(r[:8]): r[8] for r in idle_rows}
        shares = plan(buckets, weights, idle, settings.allocation)
        rows = _rounded_rows(shares)
        con.execute(
            "DELETE FROM allocated_spend_rows WHERE billing_period BETWEEN $start AND $end", window
        )
        if rows:
            _insert(con, rows, ctx.run_id)
    result = StageResult("allocate", rows_in=len(buckets), rows_out=len(rows))
    by_line: dict[str, int] = defaultdict(int)
    for s in shares:
        by_line[s.line] += 1
    result.counts = dict(sorted(by_line.items()))
    result.amounts = {
        "invoiced_usd": str(sum((b[-1] for b in buckets), Decimal(0))),
        "allocated_usd": str(sum((r[9] for r in rows), Decimal(0))),
        "unattributed_usd": str(sum((r[9] for r in rows if r[2] == UNATTRIBUTED), Decimal(0))),
    }
    result.seconds = time.perf_counter() - began
    return result


def plan(
    buckets: Iterable[tuple[Any, ...]],
    weight_rows: Iterable[tuple[Any, ...]],
    idle: dict[Key, Decimal],
    policy: AllocationConfig,
) -> list[Share]:
    """Exact shares for every bucket (pure: no database, testable on literals)."""
    index = _WeightIndex(weight_rows)
    shares: list[Share] = []
    for b in buckets:
        shares.extend(_bucket_shares(tuple(b), index, idle, policy))
    return shares


def _bucket_shares(
    b: tuple[Any, ...], index: _WeightIndex, idle: dict[Key, Decimal], policy: AllocationConfig
) -> list[Share]:
    key: Key = b[:8]
    line_item_type, cause, amount = b[8], b[9], b[-1]
    day, account, model, charge = key[0], key[1], key[3], key[7] or "other"
    out: list[Share] = []

    def emit(ws: Weights, line: str, basis: str, value: Decimal, chg: str = charge) -> None:
        out.extend(_shares(day, account, model, chg, line, basis, value, ws))

    if line_item_type is not None:
        ws, basis = index.account_share(day, account)
        emit(ws, "tax_or_fee" if cause == "tax_or_fee" else "credit", basis, amount, "other")
    elif cause == "unmapped_usage_type":
        emit({}, "unmapped", UNATTRIBUTED, amount)
    elif key in index.bucket:
        ws, basis = index.bucket_share(key)
        emit(ws, "usage", basis, amount)
    elif charge in TOKEN_CHARGES:
        emit({}, "credit" if cause == "discount_or_credit" else "unlogged", UNATTRIBUTED, amount)
    else:
        rest = amount
        if charge == "model_unit_hours" and key in idle:
            rest = amount - idle[key]
            if policy.idle == "owner":
                emit(
                    {(policy.owner_team or "", SHARED_APP): Decimal(1)}, "idle", "owner", idle[key]
                )
            else:
                emit({("idle", "idle"): Decimal(1)}, "idle", "idle", idle[key])
        capacity = CAPACITY_CHARGES.get(charge)
        ws, basis = index.capacity_share(key, capacity) if capacity else ({}, "")
        if not ws:
            how = policy.charges.get(charge, policy.non_token)
            ws, basis = index.policy_share(key, how, policy)
        emit(ws, "non_token", basis, rest)
    return out


def _shares(
    day: date,
    account: str | None,
    model: str | None,
    charge: str,
    line: str,
    basis: str,
    amount: Decimal,
    weights: Weights,
) -> list[Share]:
    if not amount:
        return []
    if not weights:
        weights, basis = {(UNATTRIBUTED, UNATTRIBUTED): Decimal(1)}, UNATTRIBUTED
    owners = sorted(weights)
    parts = split(amount, [weights[o] for o in owners])
    return [
        Share(day, account, team, app, model, charge, line, basis, part)
        for (team, app), part in zip(owners, parts, strict=True)
    ]


class _WeightIndex:
    """Rated usage grouped the ways the policies need it."""

    def __init__(self, rows: Iterable[tuple[Any, ...]]) -> None:
        self.bucket: dict[Key, list[tuple[str, str, Decimal, int, bool]]] = defaultdict(list)
        self.rows = list(rows)
        for r in self.rows:
            self.bucket[tuple(r[:8])].append((r[8], r[9], r[10], r[11], r[12]))

    def bucket_share(self, key: Key) -> tuple[Weights, str]:
        return _weigh(self.bucket[key])

    def account_share(self, day: date, account: str | None) -> tuple[Weights, str]:
        """The account's teams that day, else over the billing period; never another account's
        (no usage in the account: no weights, so the caller's amount goes to unattributed)."""
        period = day.replace(day=1)
        for keep in (
            lambda r: r[0] == day and r[1] == account,
            lambda r: r[0].replace(day=1) == period and r[1] == account,
        ):
            ws, basis = _weigh(self._select(keep))
            if ws:
                return ws, basis
        return {}, UNATTRIBUTED

    def capacity_share(self, key: Key, mode: str) -> tuple[Weights, str]:
        """By the tokens sent through the capacity that day: same account, Region and mode, and
        the same model when the line names one (Custom Model Import lines name none)."""
        ws, _ = _weigh(
            self._select(
                lambda r: r[:3] == key[:3] and (key[3] is None or r[3] == key[3]) and r[6] == mode
            ),
            tokens=True,
        )
        return ws, "tokens"

    def policy_share(self, key: Key, how: str, policy: AllocationConfig) -> tuple[Weights, str]:
        """Weights for a non-token charge with nothing logged. ``even`` and every ``usage_share``
        step stay within the charge's account (like untied credits): a charge on account A is
        never split among account B's teams; no usage in the account that day -> no weights
        (the caller's amount goes to unattributed)."""
        if how == "owner":
            return {(policy.owner_team or "", SHARED_APP): Decimal(1)}, "owner"
        if how == "even":
            teams = {r[8] for r in self.rows if r[0] == key[0] and r[1] == key[1]}
            return {(t, SHARED_APP): Decimal(1) for t in teams}, "even"
        for narrower in (
            lambda r: key[3] is not None and r[:4] == key[:4],  # same model, account, Region
            lambda r: r[:3] == key[:3],  # same account and Region
            lambda r: r[:2] == key[:2],  # same account, any Region
        ):
            ws, basis = _weigh(self._select(narrower))
            if ws:
                return ws, basis
        return {}, UNATTRIBUTED

    def _select(self, keep: Any) -> list[tuple[str, str, Decimal, int, bool]]:
        return [(r[8], r[9], r[10], r[11], r[12]) for r in self.rows if keep(r)]


def _weigh(
    rows: Iterable[tuple[str, str, Decimal, int, bool]], *, tokens: bool = False
) -> tuple[Weights, str]:
    """Weights per (team, application): rated cost, or tokens when any is unpriced or all zero."""
    rows = list(rows)
    by_cost: Weights = defaultdict(Decimal)
    by_tokens: Weights = defaultdict(Decimal)
    for team, app, cost, quantity, _ in rows:
        by_cost[(team, app)] += cost
        by_tokens[(team, app)] += Decimal(quantity)
    all_priced = all(r[4] for r in rows)
    if not tokens and all_priced and sum(by_cost.values(), Decimal(0)) > 0:
        return dict(by_cost), "rated_cost"
    if sum(by_tokens.values(), Decimal(0)) > 0:
        return dict(by_tokens), "tokens"
    return {}, UNATTRIBUTED


def _rounded_rows(shares: Sequence[Share]) -> list[tuple[Any, ...]]:
    """Merge shares with the same row key, then round each billing period by largest remainder."""
    merged: dict[tuple[Any, ...], Decimal] = defaultdict(Decimal)
    for s in shares:
        merged[s.sort_key()] += s.exact_usd
    by_period: dict[date, list[tuple[tuple[Any, ...], Decimal]]] = defaultdict(list)
    for k in sorted(merged):
        by_period[k[0].replace(day=1)].append((k, merged[k]))
    rows: list[tuple[Any, ...]] = []
    for period in sorted(by_period):
        items = by_period[period]
        cents = largest_remainder([v for _, v in items])
        for (k, exact), rounded in zip(items, cents, strict=True):
            day, team, app, model, charge, line, basis, account = k
            rows.append(
                (
                    period, day, team, app, model or None, charge, line, basis, exact, rounded,
                    account or None,
                )
            )  # fmt: skip
    return rows


_COLUMNS = (
    ("billing_period", pa.date32()),
    ("usage_date", pa.date32()),
    ("team", pa.string()),
    ("application", pa.string()),
    ("base_model", pa.string()),
    ("charge", pa.string()),
    ("line", pa.string()),
    ("basis", pa.string()),
    ("exact_usd", pa.decimal128(38, 12)),
    ("allocated_usd", pa.decimal128(38, 12)),
    ("account_id", pa.string()),
)


def _insert(con: duckdb.DuckDBPyConnection, rows: Sequence[tuple[Any, ...]], run_id: str) -> None:
    """Bulk insert through Arrow (row-by-row executemany is slow in DuckDB)."""
    table = pa.table(
        {name: pa.array([r[i] for r in rows], type=t) for i, (name, t) in enumerate(_COLUMNS)}
    )
    con.register("_allocated_batch", table)
    try:
        con.execute(
            "INSERT INTO allocated_spend_rows BY NAME "
            "SELECT *, $run_id AS run_id FROM _allocated_batch",
            {"run_id": run_id},
        )
    finally:
        con.unregister("_allocated_batch")


def _month_end(d: date) -> date:
    first_next = (d.replace(day=28) + timedelta(days=4)).replace(day=1)
    return first_next - timedelta(days=1)
