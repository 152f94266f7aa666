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

import dataclasses
import time
from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, replace
from datetime import date, timedelta
from decimal import ROUND_FLOOR, ROUND_HALF_EVEN, ROUND_HALF_UP, Decimal, localcontext
from typing import Any, NamedTuple, TypeVar

import duckdb

from reconciler.core.arrow import pa
from reconciler.core.config import AllocationConfig
from reconciler.core.vocabulary import TOKEN_CHARGES
from reconciler.db import bulk, sql
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

Weights = dict[tuple[str, str], Decimal]  # (team, application) -> weight


class Key(NamedTuple):
    """A reconciliation bucket: the first eight columns of every query the stage reads."""

    usage_date: date
    account_id: str | None
    region: str | None
    base_model: str | None
    routing: str | None
    tier: str | None
    mode: str | None
    charge: str | None


class Bucket(NamedTuple):
    """A row of ``stages/allocate_buckets.sql``: a bucket's invoiced cost to split."""

    key: Key
    line_item_type: str | None
    cause: str | None
    logged_quantity: int | None
    invoiced_cost_usd: Decimal


class Usage(NamedTuple):
    """A row of ``stages/allocate_weights.sql``: who used a bucket, by rated cost and tokens."""

    key: Key
    team: str
    application: str
    cost_usd: Decimal
    quantity: int
    priced: bool


class Idle(NamedTuple):
    """A row of ``stages/allocate_idle.sql``: provisioned hours with no token sent."""

    key: Key
    idle_usd: Decimal


class Allocated(NamedTuple):
    """A row of ``allocated_spend_rows`` as the stage writes it (without the run id): a merged
    share of one billing period and its cents."""

    billing_period: date
    share: Share
    allocated_usd: Decimal

    def record(self) -> dict[str, Any]:
        """The row by column name (no model or account: NULL, never '')."""
        s = self.share
        return dataclasses.asdict(s) | {
            "billing_period": self.billing_period,
            "base_model": s.base_model or None,
            "account_id": s.account_id or None,
            "allocated_usd": self.allocated_usd,
        }


_Row = TypeVar("_Row", Bucket, Usage, Idle)


def _fetch(cursor: duckdb.DuckDBPyConnection, row: type[_Row]) -> list[_Row]:
    """Rows of a query as named tuples, the bucket key first; the query's column names must be
    the fields, so a reordered SELECT fails here instead of being read at the wrong positions."""
    names = tuple(d[0] for d in cursor.description or ())
    expected = Key._fields + row._fields[1:]
    if names != expected:
        raise RuntimeError(f"{row.__name__}: query returned {names}, expected {expected}")
    n = len(Key._fields)
    return [row(Key(*r[:n]), *r[n:]) for r in cursor.fetchall()]


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


def largest_remainder(
    values: Sequence[Decimal], unit: Decimal = CENT, *, target: Decimal | None = None
) -> list[Decimal]:
    """Round ``values`` to ``unit`` so they sum to ``target`` (default: their exact total),
    rounded half-up to ``unit``: the one rounding of parts that must tie to a total (the
    allocation against the invoice, the report's tables against their totals).

    The total is rounded the way AWS rounds the invoice it came from: half-up (ties away from
    zero), so the allocated cents equal the amount the payer sees, e.g. $0.025 -> $0.03 where
    banker's rounding would give $0.02 and the allocation would be a cent short of the bill.
    Each value is floored; the units still missing go one each to the largest remainders, ties
    to the earlier position (callers sort by row key first, so ties are deterministic). A
    ``target`` further from the total than one unit per value cannot be tied: the values are then
    rounded half-up each.
    """
    floors = [v.quantize(unit, rounding=ROUND_FLOOR) for v in values]
    goal = sum(values, Decimal(0)) if target is None else target
    missing = int((goal.quantize(unit, rounding=ROUND_HALF_UP) - sum(floors, Decimal(0))) / unit)
    if not 0 <= missing <= len(values):
        return [v.quantize(unit, rounding=ROUND_HALF_UP) for v in values]
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
        buckets = _fetch(sql.execute(con, "stages/allocate_buckets", window), Bucket)
        weights = _fetch(sql.execute(con, "stages/allocate_weights", window), Usage)
        idle_rows = _fetch(sql.execute(con, "stages/allocate_idle", window), Idle)
        idle = {r.key: r.idle_usd for r in idle_rows}
        shares = plan(buckets, weights, idle, settings.allocation)
        rows = _rounded_rows(shares)
        sql.execute(con, "stages/allocate_delete", window)
        table = bulk.rows_table([r.record() for r in rows], _ARROW)
        bulk.insert(con, "stages/allocate_insert", table, {"run_id": ctx.run_id})
    result = StageResult("allocate", rows_in=len(buckets), rows_out=len(rows))
    by_line: dict[str, int] = defaultdict(int)
    for s in shares:
        by_line[s.line] += 1
    result.counts = dict(sorted(by_line.items()))
    result.amounts = {
        "invoiced_usd": str(sum((b.invoiced_cost_usd for b in buckets), Decimal(0))),
        "allocated_usd": str(sum((r.allocated_usd for r in rows), Decimal(0))),
        "unattributed_usd": str(
            sum((r.allocated_usd for r in rows if r.share.team == UNATTRIBUTED), Decimal(0))
        ),
    }
    result.seconds = time.perf_counter() - began
    return result


def plan(
    buckets: Iterable[Bucket],
    weight_rows: Iterable[Usage],
    idle: dict[Key, Decimal],
    policy: AllocationConfig,
) -> list[Share]:
    """Exact shares for every bucket (pure: no database, testable on literals)."""
    index = _WeightIndex(weight_rows)
    shares: list[Share] = []
    for b in buckets:
        shares.extend(_bucket_shares(b, index, idle, policy))
    return shares


def _bucket_shares(
    b: Bucket, index: _WeightIndex, idle: dict[Key, Decimal], policy: AllocationConfig
) -> list[Share]:
    key = b.key
    line_item_type, cause, amount = b.line_item_type, b.cause, b.invoiced_cost_usd
    day, account, model, charge = key.usage_date, key.account_id, key.base_model, key.charge
    charge = charge or "other"
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

    def __init__(self, rows: Iterable[Usage]) -> None:
        self.bucket: dict[Key, list[Usage]] = defaultdict(list)
        self.rows = list(rows)
        for r in self.rows:
            self.bucket[r.key].append(r)

    def bucket_share(self, key: Key) -> tuple[Weights, str]:
        return _weigh(self.bucket[key])

    def account_share(self, day: date, account: str | None) -> tuple[Weights, str]:
        """The account's teams that day, else over the billing period; never another account's
        (no usage in the account: no weights, so the caller's amount goes to unattributed)."""
        period = day.replace(day=1)
        for keep in (
            lambda r: r.key.usage_date == day and r.key.account_id == account,
            lambda r: r.key.usage_date.replace(day=1) == period and r.key.account_id == account,
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
                lambda r: (
                    r.key[:3] == key[:3]
                    and (key.base_model is None or r.key.base_model == key.base_model)
                    and r.key.mode == mode
                )
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
            teams = {r.team for r in self.rows if r.key[:2] == key[:2]}
            return {(t, SHARED_APP): Decimal(1) for t in teams}, "even"
        for narrower in (
            # same model, account, Region
            lambda r: key.base_model is not None and r.key[:4] == key[:4],
            lambda r: r.key[:3] == key[:3],  # same account and Region
            lambda r: r.key[:2] == key[:2],  # same account, any Region
        ):
            ws, basis = _weigh(self._select(narrower))
            if ws:
                return ws, basis
        return {}, UNATTRIBUTED

    def _select(self, keep: Callable[[Usage], bool]) -> list[Usage]:
        return [r for r in self.rows if keep(r)]


def _weigh(rows: Iterable[Usage], *, tokens: bool = False) -> tuple[Weights, str]:
    """Weights per (team, application): rated cost, or tokens when any is unpriced or all zero."""
    rows = list(rows)
    by_cost: Weights = defaultdict(Decimal)
    by_tokens: Weights = defaultdict(Decimal)
    for r in rows:
        by_cost[(r.team, r.application)] += r.cost_usd
        by_tokens[(r.team, r.application)] += Decimal(r.quantity)
    all_priced = all(r.priced for r in rows)
    if not tokens and all_priced and sum(by_cost.values(), Decimal(0)) > 0:
        return dict(by_cost), "rated_cost"
    if sum(by_tokens.values(), Decimal(0)) > 0:
        return dict(by_tokens), "tokens"
    return {}, UNATTRIBUTED


def _rounded_rows(shares: Sequence[Share]) -> list[Allocated]:
    """Merge shares with the same row key, then round each billing period by largest remainder."""
    merged: dict[tuple[Any, ...], Share] = {}
    for s in shares:
        k = s.sort_key()
        prev = merged.get(k)
        merged[k] = s if prev is None else replace(prev, exact_usd=prev.exact_usd + s.exact_usd)
    by_period: dict[date, list[Share]] = defaultdict(list)
    for k in sorted(merged):
        by_period[k[0].replace(day=1)].append(merged[k])
    rows: list[Allocated] = []
    for period in sorted(by_period):
        items = by_period[period]
        cents = largest_remainder([s.exact_usd for s in items])
        rows.extend(Allocated(period, s, c) for s, c in zip(items, cents, strict=True))
    return rows


_ARROW = pa.schema(
    [
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
    ]
)
"""The Arrow types of :meth:`Allocated.record`, column for column."""


def _month_end(d: date) -> date:
    first_next = (d.replace(day=28) + timedelta(days=4)).replace(day=1)
    return first_next - timedelta(days=1)
