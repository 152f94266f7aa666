"""A month that looks like a month: the data ``reconciler demo`` (``make demo``) runs on.

:func:`write_month` writes, deterministically (a seeded generator; gzip without timestamps, so
every run writes the same bytes and a re-run skips what is loaded), in about a second:

* **invocation logs** for November 2025 of a small company (S3-delivery layout, one file per
  account, Region, day and hour band): five teams and ten applications in two accounts and
  three Regions, weekday/weekend rhythm and a mid-month launch. On-demand in-Region, geo (``us.``)
  and global (``global.``) profiles; prompt caching (cache reads and writes); a weekly batch job
  (``CreateModelInvocationJob``); an application inference profile and a provisioned model
  (resolved offline by ``fixtures/demo-model-map.csv``); requests attributed by request metadata,
  by IAM role and by account;
* the **traps**: one file with broken lines (quarantine), Llama 3.3 in eu-west-1 (no bundled
  price: unpriced), and in the invoice an EDP discount, a promotional credit, guardrail units,
  provisioned hours (busy at night, idle on a weekend), a Region whose logging is off, a usage
  type with no model mapping, global traffic billed at the geo rate for a day, and the last day
  not billed yet;
* the **invoice**: one CUR 2.0 export (CSV.gz, Data Exports layout with its manifest) computed
  from the generated usage and the bundled price book, so that every other bucket matches.

Only models the bundled price book prices are used for priced traffic. Nothing calls AWS.
"""

from __future__ import annotations

import csv
import gzip
import io
import json
import random
import uuid
from collections import defaultdict
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from functools import cache
from pathlib import Path

__all__ = ["MONTH_END", "MONTH_START", "MonthData", "write_month"]

Row = dict[str, str]
"""One CUR 2.0 line as written to the CSV (every value a string)."""

MONTH_START = date(2025, 11, 1)
MONTH_END = date(2025, 11, 30)
"""The usage dates of the month (UTC, inclusive)."""
BILLED_UNTIL = date(2025, 11, 29)
"""The CUR is a day late: the last day's usage is not on the invoice yet (unbilled_usage)."""

A1, A2 = "111122223333", "444455556666"
PAYER = A1
USE1, USW2, EUW1 = "us-east-1", "us-west-2", "eu-west-1"
_REG = {USE1: "USE1", USW2: "USW2", EUW1: "EUW1"}
SONNET = "anthropic.claude-sonnet-4-5-20250929-v1:0"
HAIKU = "anthropic.claude-haiku-4-5-20251001-v1:0"
SONNET37 = "anthropic.claude-3-7-sonnet-20250219-v1:0"
NOVA_PRO, NOVA_LITE, NOVA_MICRO = (
    "amazon.nova-pro-v1:0",
    "amazon.nova-lite-v1:0",
    ("amazon.nova-micro-v1:0"),
)
TITAN = "amazon.titan-embed-text-v2:0"
LLAMA = "meta.llama3-3-70b-instruct-v1:0"
AIP = f"arn:aws:bedrock:{EUW1}:{A2}:application-inference-profile/a1b2c3d4e5f6"
PROVISIONED = f"arn:aws:bedrock:{EUW1}:{A2}:provisioned-model/abcd1234efgh"
PT_RATE = Decimal("21.18")  # USD per model-unit hour, Nova Pro no-commit (the fixtures' rate)
_NS = uuid.UUID("5b0a3a52-9d6e-4c55-8a3b-6f1b2d0c7e11")
_M = Decimal(1_000_000)
_K = Decimal(1000)

_MP_PRODUCT = {
    SONNET: ("Claude Sonnet 4.5 (Amazon Bedrock Edition)", "7zgyu5r4sonnet45exmpl"),
    HAIKU: ("Claude Haiku 4.5 (Amazon Bedrock Edition)", "b2rj8kq1haiku45exmpl"),
    SONNET37: ("Claude 3.7 Sonnet (Amazon Bedrock Edition)", "c4tq9z2sonnet37exmpl"),
}
_BILLING_NAME = {
    NOVA_PRO: "NovaPro",
    NOVA_LITE: "NovaLite",
    NOVA_MICRO: "NovaMicro",
    TITAN: "TitanEmbeddingV2-Text",
    LLAMA: "Llama3-3-70B",
}
_MP_METER = {
    "input_tokens": "InputTokenCount",
    "output_tokens": "OutputTokenCount",
    "cache_read_input_tokens": "CacheReadInputTokenCount",
    "cache_write_input_tokens": "CacheWriteInputTokenCount",
}
_BEDROCK_TOKEN = {
    "input_tokens": "input-tokens",
    "output_tokens": "output-tokens",
    "cache_read_input_tokens": "cache-read-input-token-count",
    "cache_write_input_tokens": "cache-write-input-token-count",
}


@dataclass(frozen=True)
class App:
    """One application's traffic: who calls what, how often and how big."""

    team: str | None  # None: no request metadata (attributed by role or account)
    app: str | None
    account: str
    region: str
    model_id: str
    base_model: str
    routing: str  # in_region | geo | global (what the model id says)
    per_weekday: int  # requests on a weekday (weekends: a third)
    tokens_in: int
    tokens_out: int
    cache_read: int = 0
    cache_write_every: int = 0  # every n-th request writes the cache (0: never)
    cache_write: int = 0
    role: str = "app-role"
    mode: str = "on_demand"
    hours: tuple[int, int] = (7, 21)  # busy hours (UTC)
    starts: date = MONTH_START


APPS = (
    # search: the Q&A bot on Sonnet 4.5 (us. geo profile) with a cached system prompt, a ranker
    # on Haiku 4.5 in-Region, and the embedding job (role etl-bot, no metadata)
    App("search", "qa-bot", A1, USE1, f"us.{SONNET}", SONNET, "geo", 260, 30000, 1800,
        cache_read=100000, cache_write_every=40, cache_write=100000),
    App("search", "ranker", A1, USE1, HAIKU, HAIKU, "in_region", 380, 15000, 600),
    App(None, None, A1, USE1, TITAN, TITAN, "in_region", 150, 150000, 0, role="etl-bot",
        hours=(0, 24)),
    # support: helpdesk on Nova Pro, ticket summaries on Haiku 4.5 global
    App("support", "helpdesk", A1, USW2, NOVA_PRO, NOVA_PRO, "in_region", 300, 35000, 3000),
    App("support", "summarizer", A1, USW2, f"global.{HAIKU}", HAIKU, "global", 140, 55000, 2000),
    # growth: ad copy on Sonnet 4.5 global, launched mid-month; product descriptions in a
    # weekly batch job (Haiku 4.5 geo, half price)
    App("growth", "copywriter", A1, USE1, f"global.{SONNET}", SONNET, "global", 120, 15000, 6000,
        starts=date(2025, 11, 12)),
    App("growth", "catalog-batch", A1, USE1, f"us.{HAIKU}", HAIKU, "geo", 0, 20000, 4500,
        mode="batch"),
    # data-platform (account default): ETL summaries through an application inference profile
    # (tags say team and application), a metadata catalog on Nova Micro, and the nightly
    # pipeline on provisioned Nova Pro (01:00-04:00 on weekdays)
    App(None, None, A2, EUW1, AIP, HAIKU, "geo", 180, 40000, 4500, hours=(0, 24)),
    App("data-platform", "catalog", A2, EUW1, NOVA_MICRO, NOVA_MICRO, "in_region", 200, 10000,
        1000),
    App(None, "pipelines", A2, EUW1, PROVISIONED, NOVA_PRO, "in_region", 90, 50000, 6000,
        role="data-pipeline", hours=(1, 4)),
    # risk: fraud screening on Claude 3.7 Sonnet in-Region, and an experiment on Llama 3.3 in
    # eu-west-1, which the bundled book does not price (unpriced usage)
    App("risk", "fraud-screen", A2, EUW1, SONNET37, SONNET37, "in_region", 90, 22000, 1500),
    App("risk", "llama-trial", A2, EUW1, LLAMA, LLAMA, "in_region", 40, 15000, 2000,
        starts=date(2025, 11, 17)),
)  # fmt: skip
BATCH_DAYS = (date(2025, 11, 2), date(2025, 11, 9), date(2025, 11, 16), date(2025, 11, 23))
BATCH_RECORDS = 600
PROVISIONED_IDLE = date(2025, 11, 29)
"""The Saturday the provisioned model stayed up all day with nobody using it (idle hours)."""


@dataclass(frozen=True)
class MonthData:
    """Where :func:`write_month` put things, and the control totals of what it wrote."""

    logs: Path
    invoices: Path
    records: int
    quarantined: int
    invoice_lines: int
    invoiced_usd: Decimal


def write_month(root: Path, seed: int = 2025) -> MonthData:
    """Write the month's logs under ``root/logs`` and its CUR 2.0 export under
    ``root/invoices``; the same ``seed`` writes the same bytes."""
    rng = random.Random(seed)
    files: dict[tuple[str, str, date, int], list[bytes]] = defaultdict(list)
    usage: dict[tuple[date, str, str, str, str, str, str], int] = defaultdict(int)
    records = 0
    for app in APPS:
        for day in _days():
            for ts, inp, out, cr, cw in _requests(app, day, rng):
                name = f"{app.model_id}|{app.app}|{ts.isoformat()}|{records}"
                files[(app.account, app.region, day, ts.hour // 6)].append(
                    _line(_record(name, app, ts, inp, out, cr, cw))
                )
                records += 1
                mode = "provisioned" if app.model_id == PROVISIONED else app.mode
                for charge, n in (
                    ("input_tokens", inp),
                    ("output_tokens", out),
                    ("cache_read_input_tokens", cr),
                    ("cache_write_input_tokens", cw),
                ):
                    if n:
                        key = (day, app.account, app.region, app.base_model, app.routing, mode)
                        usage[(*key, charge)] += n
    logs = root / "logs"
    for (acct, region, day, band), lines in sorted(files.items()):
        stamp = datetime(day.year, day.month, day.day, band * 6, 7, 31, tzinfo=UTC)
        suffix = uuid.uuid5(_NS, f"{acct}/{region}/{day}/{band}").hex[:16]
        rel = (
            f"AWSLogs/{acct}/BedrockModelInvocationLogs/{region}/{day:%Y/%m/%d}/{band * 6:02d}/"
            f"{stamp:%Y%m%dT%H%M%S}512Z_{suffix}.json.gz"
        )
        _write_gz(logs / rel, lines)
    _write_gz(logs / "broken" / "20251118T101500000Z_partial-upload.json.gz", _broken_lines())
    billed = _invoice_lines(usage)
    invoices = root / "invoices"
    _write_cur2(invoices, billed)
    return MonthData(
        logs=logs,
        invoices=invoices,
        records=records,
        quarantined=2,
        invoice_lines=len(billed),
        invoiced_usd=sum((Decimal(r["line_item_unblended_cost"]) for r in billed), Decimal(0)),
    )


def _days() -> list[date]:
    return [MONTH_START + timedelta(days=i) for i in range((MONTH_END - MONTH_START).days + 1)]


def _requests(app: App, day: date, rng: random.Random) -> list[tuple[datetime, int, int, int, int]]:
    """(time, input, output, cache read, cache write) of one application's requests that day."""
    if day < app.starts:
        return []
    if app.mode == "batch":
        count = BATCH_RECORDS if day in BATCH_DAYS else 0
    elif app.model_id == PROVISIONED and day.weekday() >= 5:
        count = 0  # the pipeline runs on weekdays
    else:
        weekend = day.weekday() >= 5 and app.hours != (0, 24)
        count = app.per_weekday // 3 if weekend else app.per_weekday
        count = int(count * rng.uniform(0.85, 1.15))
    first, last = app.hours if app.mode != "batch" else (2, 4)
    out = []
    for i in range(count):
        second = rng.randrange(first * 3600, last * 3600)
        ts = datetime(day.year, day.month, day.day, tzinfo=UTC) + timedelta(seconds=second)
        inp = max(1, int(app.tokens_in * rng.lognormvariate(0, 0.35)))
        outp = int(app.tokens_out * rng.lognormvariate(0, 0.4)) if app.tokens_out else 0
        cw = app.cache_write if app.cache_write_every and i % app.cache_write_every == 0 else 0
        cr = app.cache_read if app.cache_read and not cw else 0
        out.append((ts, inp, outp, cr, cw))
    out.sort()
    return out


def _record(
    name: str, app: App, ts: datetime, inp: int, out: int, cache_read: int, cache_write: int
) -> dict[str, object]:
    """An S3-delivered invocation log record; no prompt or response body (the demo needs none)."""
    request_id = str(uuid.uuid5(_NS, name))
    session = request_id[:8]
    r: dict[str, object] = {
        "schemaType": "ModelInvocationLog",
        "schemaVersion": "1.0",
        "timestamp": ts.strftime("%Y-%m-%dT%H:%M:%S.") + f"{ts.microsecond // 1000:03d}Z",
        "accountId": app.account,
        "identity": {"arn": f"arn:aws:sts::{app.account}:assumed-role/{app.role}/{session}"},
        "region": app.region,
        "requestId": request_id,
        "operation": "CreateModelInvocationJob" if app.mode == "batch" else "Converse",
        "modelId": app.model_id,
    }
    i: dict[str, object] = {"inputContentType": "application/json", "inputTokenCount": inp}
    if cache_read:
        i["cacheReadInputTokenCount"] = cache_read
    if cache_write:
        i["cacheWriteInputTokenCount"] = cache_write
    r["input"] = i
    o: dict[str, object] = {"outputContentType": "application/json"}
    if out or app.tokens_out:
        o["outputTokenCount"] = out
    r["output"] = o
    if app.team is not None:
        r["requestMetadata"] = {"team": app.team, "app": app.app or ""}
    return r


def _line(record: dict[str, object]) -> bytes:
    return json.dumps(record, separators=(",", ":")).encode()


def _broken_lines() -> list[bytes]:
    """A partly uploaded file: one good record, one cut off mid-JSON, one HTML error page."""
    app = APPS[1]
    ts = datetime(2025, 11, 18, 10, 15, tzinfo=UTC)
    good = _line(_record("broken-1", app, ts, 2400, 110, 0, 0))
    cut = _line(_record("broken-2", app, ts, 2600, 90, 0, 0))[:71]
    return [good, cut, b"<html><body>503 Service Unavailable</body></html>"]


def _write_gz(path: Path, lines: list[bytes]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    data = gzip.compress(b"".join(x + b"\n" for x in lines), compresslevel=5, mtime=0)
    if not path.exists() or path.read_bytes() != data:
        path.write_bytes(data)


@cache
def _prices() -> dict[tuple[str, str, str, str, str], Decimal]:
    """Bundled list prices, USD per token: (model, region, routing, mode, charge)."""
    from reconciler.pricebook import bundled_entries

    per_unit = {"1M tokens": _M, "1K tokens": _K, "token": Decimal(1)}
    out = {}
    for e in bundled_entries():
        k = e.key
        current = e.effective_to is None and e.unit in per_unit
        if current and k.tier == "standard" and k.context_tier == "standard":
            out[(k.base_model, k.region, k.routing, k.mode, k.charge)] = (
                e.price_usd / per_unit[e.unit]
            )
    return out


def _price(model: str, region: str, routing: str, mode: str, charge: str) -> Decimal | None:
    p = _prices()
    return p.get((model, region, routing, mode, charge), p.get((model, region, "*", mode, charge)))


def _invoice_lines(usage: dict[tuple[date, str, str, str, str, str, str], int]) -> list[Row]:
    """The month's CUR 2.0 rows: every priced logged bucket billed at list price (so it
    matches), plus the traps."""
    rows: list[Row] = []
    for (day, acct, region, model, routing, mode, charge), tokens in sorted(usage.items()):
        if day > BILLED_UNTIL or mode == "provisioned":
            continue  # late CUR; provisioned tokens are billed by the model-unit hours
        price = _price(model, region, routing, mode, charge)
        if model == LLAMA:
            price = Decimal("0.00000072")  # what AWS bills; the bundled book has no price
        if price is None:
            continue
        billed_price = price
        if day == date(2025, 11, 20) and model == SONNET and routing == "global":
            # a day of global traffic billed at the geo rate (price_mismatch)
            geo = _price(model, region, "geo", mode, charge)
            billed_price = geo if geo is not None else price
        rows.append(
            _usage_row(day, acct, region, model, routing, mode, charge, tokens, billed_price)
        )
    for day in _days():
        if day > BILLED_UNTIL:
            continue
        # guardrails on the helpdesk: text units, billed with nothing to rate them against
        units = 900 + (day.day * 37) % 400
        rows.append(
            _row(day, A1, USW2, "USW2-Guardrail-ContentPolicyUnitsConsumed", Decimal(units),
                 Decimal("0.00015"), op="ApplyGuardrail")
        )  # fmt: skip
        # provisioned Nova Pro, 1 model unit: up 01:00-04:00 on weekdays for the pipeline; one
        # Saturday somebody forgot to delete it (a day of idle hours)
        if day.weekday() < 5 or day == PROVISIONED_IDLE:
            hours = Decimal(24 if day == PROVISIONED_IDLE else 3)
            rows.append(
                _row(day, A2, EUW1, "EUW1-NovaPro-ProvisionedThroughput-NoCommit-ModelUnits",
                     hours, PT_RATE, op="ProvisionedThroughput")
            )  # fmt: skip
        # a Region whose invocation logging is off: the data team's us-east-1 experiments
        if day.weekday() < 5:
            for charge, tokens in (("input-tokens", 9_000_000), ("output-tokens", 1_100_000)):
                rows.append(
                    _row(day, A2, USE1, f"USE1-Llama3-3-70B-{charge}", Decimal(tokens) / _K,
                         Decimal("0.00072"))
                )  # fmt: skip
    rows.append(  # a model the usage-type table does not know (unmapped_usage_type)
        _row(date(2025, 11, 14), A2, USE1, "USE1-DeepSeekR1-input-tokens", Decimal("1800"),
             Decimal("0.00135"))
    )  # fmt: skip
    usage_total = sum((Decimal(r["line_item_unblended_cost"]) for r in rows), Decimal(0))
    edp = (usage_total * Decimal("-0.05")).quantize(Decimal("0.01"))
    rows.append(
        _row(BILLED_UNTIL, A1, USE1, "", Decimal(0), Decimal(0), kind="EdpDiscount", op="",
             cost=edp)
    )  # fmt: skip
    rows.append(  # a promotional credit on the data account
        _row(date(2025, 11, 15), A2, EUW1, "", Decimal(0), Decimal(0), kind="Credit", op="",
             cost=Decimal("-300.00"))
    )  # fmt: skip
    return rows


def _usage_row(
    day: date,
    acct: str,
    region: str,
    model: str,
    routing: str,
    mode: str,
    charge: str,
    tokens: int,
    price: Decimal,
) -> Row:
    reg = _REG[region]
    if model in _MP_PRODUCT:
        product, code = _MP_PRODUCT[model]
        meter = _MP_METER[charge]
        if mode == "batch":
            meter = f"Batch{meter}"
        if routing == "global":
            meter += "_Global"
        return _row(day, acct, region, f"{reg}-MP:{reg}_{meter}-Units", Decimal(tokens) / _M,
                    price * _M, product=product, code=code)  # fmt: skip
    suffix = "-batch" if mode == "batch" else "-cross-region-global" if routing == "global" else ""
    usage_type = f"{reg}-{_BILLING_NAME[model]}-{_BEDROCK_TOKEN[charge]}{suffix}"
    return _row(day, acct, region, usage_type, Decimal(tokens) / _K, price * _K)


def _row(
    day: date,
    acct: str,
    region: str,
    usage_type: str,
    qty: Decimal,
    rate: Decimal,
    *,
    product: str = "Amazon Bedrock",
    code: str = "AmazonBedrock",
    kind: str = "Usage",
    op: str = "InvokeModelInference",
    cost: Decimal | None = None,
) -> Row:
    start = datetime(day.year, day.month, day.day, tzinfo=UTC)
    amount = qty * rate if cost is None else cost
    return {
        "bill_billing_period_start_date": "2025-11-01T00:00:00Z",
        "bill_payer_account_id": PAYER,
        "line_item_usage_start_date": f"{start:%Y-%m-%dT%H:%M:%SZ}",
        "line_item_usage_end_date": f"{start + timedelta(days=1):%Y-%m-%dT%H:%M:%SZ}",
        "line_item_usage_account_id": acct,
        "line_item_product_code": code,
        "line_item_usage_type": usage_type,
        "line_item_operation": op,
        "line_item_line_item_type": kind,
        "line_item_usage_amount": _plain(qty),
        "line_item_unblended_rate": _plain(rate),
        "line_item_unblended_cost": _plain(amount),
        "line_item_currency_code": "USD",
        "line_item_iam_principal": "",
        "pricing_unit": "",
        "product": json.dumps({"product_name": product, "region": region}, sort_keys=True),
        "product_product_family": "",
        "product_region_code": region,
        "resource_tags": "{}",
    }


def _plain(d: Decimal) -> str:
    text = f"{d.normalize():f}"
    return text if text != "-0" else "0"


def _write_cur2(root: Path, rows: list[Row]) -> None:
    """One CUR 2.0 Data Export (CSV.gz) for billing period 2025-11, with its manifest."""
    export = "acme-bedrock-cur"
    data = root / export / "data" / "BILLING_PERIOD=2025-11" / f"{export}-00001.csv.gz"
    buf = io.StringIO()
    w = csv.DictWriter(buf, fieldnames=list(rows[0]), lineterminator="\n")
    w.writeheader()
    w.writerows(rows)
    data.parent.mkdir(parents=True, exist_ok=True)
    payload = gzip.compress(buf.getvalue().encode(), compresslevel=5, mtime=0)
    if not data.exists() or data.read_bytes() != payload:
        data.write_bytes(payload)
    manifest = root / export / "metadata" / "BILLING_PERIOD=2025-11" / f"{export}-Manifest.json"
    manifest.parent.mkdir(parents=True, exist_ok=True)
    text = (
        json.dumps(
            {
                "exportName": export,
                "billingPeriod": "2025-11",
                "dataFiles": [str(data.relative_to(root / export))],
                "numberOfRows": len(rows),
            },
            indent=2,
        )
        + "\n"
    )
    if not manifest.exists() or manifest.read_text() != text:
        manifest.write_text(text)
