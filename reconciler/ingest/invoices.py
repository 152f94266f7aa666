"""Invoice ingest: CUR 2.0, legacy CUR and FOCUS 1.0/1.2 (AWS) files -> ``invoice_line_items``.

Input: billing files (Parquet, CSV, CSV.gz; local or ``s3://``), detected per file from their
columns. Output: the Bedrock rows in ``invoice_line_items`` (view ``invoice_lines``), the files in
``source_objects``, bad rows in ``quarantine_records``. Invariants:

* **Exact money.** DuckDB reads the files; every amount goes to DECIMAL(38, 12) from its text (CSV
  read as text; Parquet doubles through their shortest repr, which is the figure AWS wrote), never
  through binary float arithmetic. ``0.064197595`` stays ``0.064197595``.
* **A re-delivered billing period replaces the old one**: per source family (the export, or the
  file outside the Data Exports layout) and billing period, old rows are deleted and new ones
  inserted in one transaction. Re-ingesting unchanged files is a no-op (``source_objects``).
* **Bedrock rows across product codes**: ``AmazonBedrock``, ``product_product_family = 'Amazon
  Bedrock'``, Marketplace ``(Amazon Bedrock Edition)`` products and Marketplace ``MP:`` token
  meters with opaque product codes. Everything else is counted (``non_bedrock_rows``), not stored.
* **Units**: ``quantity_tokens = quantity x tokens_per_unit``, the unit taken from the row's pricing
  unit when it names one, else from the usage-type scheme (configurable defaults). ``unit_check``
  compares the billed cost with the price book so that a x1,000 unit error is told apart from
  missing traffic (:mod:`~reconciler.ingest.invoice_units`, re-run by the pipeline after prices
  load).
* Line item types are all kept (credits, discounts, tax) with a FOCUS ``charge_category``.
* The payer account (CUR ``bill_payer_account_id``, legacy ``bill/PayerAccountId``, FOCUS
  ``BillingAccountId``) is kept as ``payer_account_id``: the FOCUS export's BillingAccountId.
* **Guards** (docs/invoices.md): a bill is never counted twice. When several sources hold one
  billing period and account, one is used by precedence and the others are marked superseded
  (:func:`apply_invoice_precedence`, reported as ``superseded_invoice_source``); a line item
  repeated within a delivery loads once (``duplicate_line_item``); every line keeps its currency
  and a non-USD delivery is refused (``non_usd_currency``) unless a rate is configured; a Usage
  line with a negative cost is quarantined (``negative_usage_cost``).
"""

from __future__ import annotations

import tempfile
import time
from collections.abc import Callable, Sequence
from datetime import datetime
from decimal import Decimal
from typing import Any

import duckdb

from reconciler.core.arrow import pa
from reconciler.core.clock import utc_now
from reconciler.core.config import Settings
from reconciler.core.progress import NO_PROGRESS, ProgressSink
from reconciler.core.quarantine import Problems, Reason
from reconciler.core.usage_types import (
    BillingNames,
    UsageTypeInfo,
    learned_rows,
    load_billing_names,
    parse_usage_type,
    self_described,
)
from reconciler.db import bulk, sql, transaction
from reconciler.db.ledger import is_loaded, write_problems
from reconciler.db.stage import StageContext, StageResult
from reconciler.ingest.invoice_models import match_counts
from reconciler.ingest.invoice_sources import InvoiceFile, InvoiceGroup, discover, materialise
from reconciler.ingest.invoice_units import check_units

__all__ = [
    "READS",
    "WRITES",
    "apply_invoice_precedence",
    "detect_format",
    "resolve_unit",
    "run",
]

_CUR2 = (
    "bill_billing_period_start_date", "line_item_usage_start_date", "line_item_usage_end_date",
    "line_item_usage_account_id", "product_region_code", "line_item_product_code",
    "product_product_name", "product_product_family", "line_item_usage_type",
    "line_item_operation", "line_item_line_item_type", "line_item_usage_amount", "pricing_unit",
    "product_pricing_unit", "line_item_unblended_rate", "line_item_unblended_cost",
    "line_item_net_unblended_cost", "discount_total_discount", "line_item_resource_id",
    "line_item_iam_principal", "bill_payer_account_id",
)  # fmt: skip
_LEGACY = (
    "bill/BillingPeriodStartDate", "lineItem/UsageStartDate", "lineItem/UsageEndDate",
    "lineItem/UsageAccountId", "product/regionCode", "lineItem/ProductCode", "product/ProductName",
    "product/productFamily", "lineItem/UsageType", "lineItem/Operation", "lineItem/LineItemType",
    "lineItem/UsageAmount", "pricing/unit", "lineItem/UnblendedRate", "lineItem/UnblendedCost",
    "lineItem/NetUnblendedCost", "discount/TotalDiscount", "lineItem/ResourceId",
    "bill/PayerAccountId",
)  # fmt: skip
_FOCUS = (
    "BillingPeriodStart", "ChargePeriodStart", "ChargePeriodEnd", "SubAccountId", "RegionId",
    "x_ServiceCode", "ServiceName", "x_UsageType", "SkuMeter", "x_Operation", "ChargeCategory",
    "PricingQuantity", "ConsumedQuantity", "PricingUnit", "ContractedUnitPrice", "ListUnitPrice",
    "BilledCost", "EffectiveCost", "ResourceId", "BillingAccountId", "SkuPriceDetails",
)  # fmt: skip
# Columns every FOCUS 1.0, 1.1 and 1.2 file has (mandatory in all three versions of the spec), and
# columns that first appear in 1.1/1.2: a file is FOCUS by the first set, whatever its provider.
_FOCUS_MANDATORY = frozenset(
    {"BilledCost", "BillingPeriodStart", "ChargeCategory", "ChargePeriodStart", "BillingCurrency"}
)
_FOCUS_LATER = frozenset(
    {"SkuMeter", "SkuPriceDetails", "ServiceSubcategory", "InvoiceId", "PricingCurrency",
     "CapacityReservationId", "CommitmentDiscountQuantity", "BillingAccountType"}
)  # fmt: skip
# format -> (normaliser SQL, scalar columns it reads, map columns it reads)
_FORMATS: dict[str, tuple[str, tuple[str, ...], tuple[str, ...]]] = {
    "cur2": ("stages/invoice_normalise_cur2", _CUR2, ("product", "discount", "resource_tags")),
    "cur_legacy": ("stages/invoice_normalise_cur_legacy", _LEGACY, ()),
    "focus_1_0": ("stages/invoice_normalise_focus", _FOCUS, ("Tags",)),
    "focus_1_2": ("stages/invoice_normalise_focus", _FOCUS, ("Tags",)),
}
# format -> (line item id, time interval, currency) columns, read when the file has them
_IDENTITY: dict[str, tuple[str, str, str]] = {
    "cur2": ("identity_line_item_id", "identity_time_interval", "line_item_currency_code"),
    "cur_legacy": ("identity/LineItemId", "identity/TimeInterval", "lineItem/CurrencyCode"),
    "focus_1_0": ("", "", "BillingCurrency"),
    "focus_1_2": ("", "", "BillingCurrency"),
}
_RATES = pa.schema([("currency", pa.string()), ("rate", pa.string())])
_USAGE_TYPES = pa.schema(
    [(c, pa.string()) for c in (
        "usage_type", "product_name", "pricing_unit", "product_code", "model_display_name",
        "inference_type", "feature", "region", "billing_model_name", "base_model", "charge",
        "mode", "tier", "routing", "kind", "endpoint",
    )]
    + [("mapped", pa.bool_()), ("tokens_per_unit", pa.int64()), ("unit", pa.string()),
       ("unit_source", pa.string())]
)  # fmt: skip
# Formats in order of precedence (stages/invoice_precedence); the words used in findings.
PRECEDENCE = ("cur2", "focus_1_2", "focus_1_0", "cur_legacy", "cost_explorer")


def detect_format(columns: set[str]) -> str | None:
    """The invoice format a file's column names show, or None.

    FOCUS is recognised by the columns every FOCUS 1.0-1.2 file must have, not by AWS's own
    ``x_`` columns, so any conformant file reads (one with no Bedrock rows loads 0 rows).
    ``focus_1_2`` covers 1.1 and 1.2 (a column new in 1.1/1.2 is present), ``focus_1_0`` the rest.
    """
    if "line_item_usage_type" in columns:
        return "cur2"
    if "lineItem/UsageType" in columns:
        return "cur_legacy"
    if columns >= _FOCUS_MANDATORY or {"ChargeCategory", "BilledCost", "x_UsageType"} <= columns:
        if "x_UsageType" not in columns and columns & _FOCUS_LATER:
            return "focus_1_2"
        return "focus_1_0"
    if {"ChargeCategory", "BilledCost", "SkuMeter"} <= columns:
        return "focus_1_2"
    return None


_TOKEN_UNITS = {
    "token": 1,
    "tokens": 1,
    "1k tokens": 1_000,
    "1k token": 1_000,
    "thousand tokens": 1_000,
    "1m tokens": 1_000_000,
    "1m token": 1_000_000,
    "million tokens": 1_000_000,
    "million": 1_000_000,
}


def resolve_unit(
    info: UsageTypeInfo | None, pricing_unit: str | None, settings: Settings
) -> tuple[int | None, str | None, str | None]:
    """(tokens_per_unit, unit, unit_source) for one usage type and native pricing unit.

    A pricing unit that names a token count wins; otherwise the scheme default from settings
    (AmazonBedrock per 1K, Marketplace per 1M; AWS leaves ``pricing_unit`` NULL in practice).
    """
    if info is None:
        return None, pricing_unit, None
    if info.kind == "token":
        n = _TOKEN_UNITS.get(" ".join((pricing_unit or "").lower().split()))
        if n is not None:
            return n, pricing_unit, "pricing_unit"
        cfg = settings.invoices
        default = (
            cfg.marketplace_tokens_per_unit
            if info.scheme == "marketplace"
            else cfg.amazon_bedrock_tokens_per_unit
        )
        label = {1_000: "1K tokens", 1_000_000: "1M tokens"}.get(default, f"{default} tokens")
        return default, pricing_unit or label, "usage_type_default"
    fallback = {"image": "image", "provisioned": "hour"}.get(info.kind)
    return None, pricing_unit or fallback, "usage_type_default" if fallback else None


READS = ("source_objects", "invoice_line_items", "billing_name_map", "prices", "model_ids")
WRITES = ("invoice_line_items", "source_objects", "quarantine_records")


def run(ctx: StageContext, *, sources: Sequence[str] | None = None) -> StageResult:
    """Load billing files into ``invoice_line_items``; one StageResult for the whole call.

    ``sources`` default to ``[sources] invoices``. ``ctx.progress`` is told the number of files
    found, then advanced per file read (with its size) or skipped as unchanged."""
    started = time.perf_counter()
    con, settings, run_id, problems = ctx.con, ctx.settings, ctx.run_id, ctx.problems
    sink = ctx.sink
    sources = list(settings.sources.invoices) if sources is None else list(sources)
    first_problem = len(problems)

    def s3_client() -> Any:
        return ctx.client("s3")

    names = load_billing_names(settings.invoices.billing_names, learned_rows(con))
    result = StageResult("ingest invoice")
    counts = dict.fromkeys(
        (
            "files", "files_unchanged", "files_skipped", "bedrock_rows", "non_bedrock_rows",
            "unmapped_rows", "non_model_rows", "duplicate_line_items", "superseded_lines",
        ),
        0,
    )  # fmt: skip
    groups, counts["files_skipped"] = discover(sources, s3_client)
    sink.set_total(sum(len(g.files) for g in groups))
    with tempfile.TemporaryDirectory(prefix="reconciler-invoices-") as workdir:
        for group in groups:
            if _unchanged(con, group.files):
                counts["files_unchanged"] += len(group.files)
                sink.advance(len(group.files))
                continue
            done = _ingest_group(
                con, group, names, settings, run_id, problems, workdir, s3_client, sink
            )
            if done is None:
                continue
            counts["files"] += len(group.files)
            result.rows_in += done["rows"]
            result.rows_out += done["inserted"]
            counts["bedrock_rows"] += done["inserted"]
            counts["non_bedrock_rows"] += done["non_bedrock"]
            counts["unmapped_rows"] += done["unmapped"]
            counts["non_model_rows"] += done["non_model"]
            counts["duplicate_line_items"] += done["duplicates"]
    counts["superseded_lines"] = apply_invoice_precedence(con, run_id, problems)
    write_problems(con, problems, first_problem, run_id)
    check_units(con)
    counts |= match_counts(con, run_id)
    result.counts = counts
    result.problems_by_reason = Problems(items=problems.items[first_problem:]).by_reason()
    result.seconds = time.perf_counter() - started
    return result


def apply_invoice_precedence(
    con: duckdb.DuckDBPyConnection, run_id: str, problems: Problems | None = None
) -> int:
    """Mark the lines of every source that another source supersedes; return how many are.

    A bill must never be counted twice: when CUR 2.0 and FOCUS exports (or two copies of one
    export, or Cost Explorer and a CUR) hold the same billing period and account, one is used by
    the precedence in ``queries/stages/invoice_precedence.sql`` and the others stay in the table,
    marked ``superseded_by``, for the ``invoice_sources`` view. With ``problems``,
    each superseded file source of a period that this run loaded (either side) is reported as
    ``superseded_invoice_source`` (a finding): two billing exports of one month in the sources is
    a set-up to fix. Cost Explorer superseded by a CUR is the documented hand-over, not a finding.
    """
    sql.execute(con, "stages/invoice_precedence")
    if problems is not None:
        rows = sql.execute(con, "ingest/invoice_superseded_sources", {"run_id": run_id}).fetchall()
        for period, family, fmt, winner, winner_fmt, lines, net, accounts in rows:
            problems.add(
                family,
                None,
                Reason.SUPERSEDED_INVOICE_SOURCE,
                f"billing period {period:%Y-%m}, {accounts} account(s): {lines} {fmt} lines "
                f"(net {net} USD) not counted; {winner_fmt} source {_tail(winner)} is used "
                f"(precedence {' > '.join(PRECEDENCE)}, latest delivery among copies)",
            )
    return sql.scalar(con, "ingest/invoice_superseded_count")


def _tail(family: str, keep: int = 90) -> str:
    return family if len(family) <= keep else "..." + family[-keep:]


def _unchanged(con: duckdb.DuckDBPyConnection, files: list[InvoiceFile]) -> bool:
    return all(is_loaded(con, f.uri, f.fingerprint) for f in files)


def _ingest_group(
    con: duckdb.DuckDBPyConnection,
    group: InvoiceGroup,
    names: BillingNames,
    settings: Settings,
    run_id: str,
    problems: Problems,
    workdir: str,
    s3_client: Callable[[], Any] | None,
    progress: ProgressSink = NO_PROGRESS,
) -> dict[str, int] | None:
    """Stage every file of the group, then replace its periods in one transaction.

    None when a file could not be read or its format is unknown: then nothing of the group is
    replaced (half a delivery must not replace a whole period) and it is retried next run.
    """
    sql.execute(con, "ingest/invoice_norm_table")
    formats: dict[str, str] = {}
    for i, f in enumerate(group.files):
        fmt = _stage_file(con, f, group.family, problems, workdir, s3_client)
        progress.advance(1, bytes=f.size)
        if fmt is None:
            if i + 1 < len(group.files):
                progress.advance(len(group.files) - i - 1)  # the rest of the group is not read
            return None
        formats[f.uri] = fmt
    sql.execute(con, "stages/invoice_stage")
    if not _currencies_convertible(con, settings, problems):
        return None  # refused: the previous delivery stays, retried next run
    duplicates = _report_duplicates(con, problems)
    _load_usage_types(con, names, settings)
    with transaction(con):
        _quarantine_bad_rows(con, problems, run_id)
        periods = [r[0] for r in sql.execute(con, "ingest/invoice_periods").fetchall()]
        if group.period is not None:
            periods.append(datetime.strptime(group.period + "-01", "%Y-%m-%d").date())  # noqa: DTZ007
        for period in sorted(set(periods)):
            params = {"family": group.family, "period": period}
            sql.execute(con, "ingest/invoice_delete_period", params)
        delivered = max((f.modified for f in group.files if f.modified), default=None)
        sql.execute(con, "stages/invoice_insert", {"run_id": run_id, "delivered_at": delivered})
        stats = _group_stats(con, run_id)
        for f in group.files:
            _record(con, f, formats[f.uri], run_id, duplicates.get(f.uri, 0))
    stats["duplicates"] = sum(duplicates.values())
    return stats


def _stage_file(
    con: duckdb.DuckDBPyConnection,
    f: InvoiceFile,
    family: str,
    problems: Problems,
    workdir: str,
    s3_client: Callable[[], Any] | None,
) -> str | None:
    path = materialise(f, workdir, s3_client)
    is_parquet = f.uri.lower().endswith(".parquet")
    try:
        reader = "ingest/invoice_read_parquet" if is_parquet else "ingest/invoice_read_csv"
        raw = con.sql(sql.load(reader), params={"path": path})
        raw.create_view("invoice_raw", replace=True)
        columns = {str(c): str(t) for c, t in zip(raw.columns, raw.types, strict=True)}
    except duckdb.Error as exc:
        problems.add(f.uri, None, Reason.UNREADABLE_FILE, _short(exc))
        return None
    fmt = detect_format(set(columns))
    if fmt is None:
        problems.add(
            f.uri,
            None,
            Reason.UNKNOWN_FORMAT,
            "not CUR 2.0, legacy CUR or FOCUS 1.0-1.2: no line_item_usage_type or "
            "lineItem/UsageType column, nor the FOCUS columns "
            + "+".join(sorted(_FOCUS_MANDATORY)),
        )
        return None
    sql_name, scalars, maps = _FORMATS[fmt]
    con.execute(_wrapper_sql(columns, scalars, maps))
    con.execute(_identity_sql(fmt, columns))
    sql.execute(con, sql_name)
    sql.execute(
        con,
        "ingest/invoice_normalise",
        {
            "source_uri": f.uri,
            "source_format": fmt,
            "source_family": family,
            "line_offset": 1,
        },
    )
    return fmt


def _identity_sql(fmt: str, columns: dict[str, str]) -> str:
    """``invoice_identity``: the line item id, time interval and currency columns of a format
    (NULL where the file lacks them) by ``file_row``; the normaliser joins it.

    Built here because which columns exist depends on the file; identifiers come only from
    ``_IDENTITY`` (quoted), never from file content.
    """
    out = []
    for name, alias in zip(
        _IDENTITY[fmt], ("line_item_id", "time_interval", "currency"), strict=True
    ):
        if name and name in columns:
            out.append(f"CAST({_quote(name)} AS VARCHAR) AS {alias}")
        else:
            out.append(f"CAST(NULL AS VARCHAR) AS {alias}")
    select = ", ".join(["file_row", *out])
    return f"CREATE OR REPLACE TEMP VIEW invoice_identity AS SELECT {select} FROM invoice_src"  # noqa: S608 - identifiers are module constants, quoted


def _quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _wrapper_sql(columns: dict[str, str], scalars: tuple[str, ...], maps: tuple[str, ...]) -> str:
    """``invoice_src``: the raw file with every column the normaliser reads, maps as text maps.

    Identifiers come only from this module's constants (quoted), never from file content.
    """
    replace, extra = [], []
    for m in maps:
        if m not in columns:
            extra.append(f"CAST(NULL AS MAP(VARCHAR, VARCHAR)) AS {_quote(m)}")
        elif columns[m].upper().startswith("MAP"):
            replace.append(f"CAST({_quote(m)} AS MAP(VARCHAR, VARCHAR)) AS {_quote(m)}")
        else:  # CSV exports write maps as JSON objects
            replace.append(
                f"CAST(json(NULLIF(trim({_quote(m)}), '')) AS MAP(VARCHAR, VARCHAR)) AS {_quote(m)}"
            )
    extra += [f"CAST(NULL AS VARCHAR) AS {_quote(c)}" for c in scalars if c not in columns]
    select = "*" + (f" REPLACE ({', '.join(replace)})" if replace else "")
    select += "".join(", " + e for e in extra)
    return f"CREATE OR REPLACE TEMP VIEW invoice_src AS SELECT {select} FROM invoice_raw"  # noqa: S608 - identifiers are module constants, quoted


def _quarantine_bad_rows(con: duckdb.DuckDBPyConnection, problems: Problems, run_id: str) -> None:
    """Bad Bedrock rows go from the staging table to ``quarantine_records`` in SQL, in the
    group's transaction; the run's problem list learns of them (already stored) for its
    summary."""
    sql.execute(con, "ingest/invoice_quarantine_bad", {"run_id": run_id, "recorded_at": utc_now()})
    for uri, line, reason, bad in sql.execute(con, "ingest/invoice_bad_rows").fetchall():
        problems.add(uri, line, Reason(reason), bad, stored=True)


def _currencies_convertible(
    con: duckdb.DuckDBPyConnection, settings: Settings, problems: Problems
) -> bool:
    """Fill ``invoice_currency_rates``; False (and each file quarantined) when the delivery has
    Bedrock lines in a currency without a configured rate: amounts in EUR are not dollars, and
    reconciling them as such would be silently wrong."""
    rates = {"USD": Decimal(1)} | {
        k.upper(): v for k, v in settings.invoices.currency_rates.items()
    }
    table = bulk.rows_table([(k, str(v)) for k, v in rates.items()], _RATES)
    bulk.insert(con, "ingest/invoice_currency_rates", table)  # USD is always there
    missing = sql.execute(con, "ingest/invoice_currency_missing").fetchall()
    for uri, currencies, n in missing:
        codes = ", ".join(_printable(c) for c in currencies)
        problems.add(
            uri,
            None,
            Reason.NON_USD_CURRENCY,
            f"{n} Bedrock lines billed in {codes}, not USD: the delivery is not loaded. Export "
            f"the bill in USD, or set [invoices] currency_rates = {{ {_printable(currencies[0])} "
            '= "<USD per unit>" } in reconciler.toml to convert at that rate',
        )
    return not missing


def _printable(code: str) -> str:
    """A currency code from the file, safe to echo: short, letters and digits only."""
    cleaned = "".join(ch for ch in code[:8] if ch.isascii() and ch.isalnum())
    return cleaned or "?"


def _report_duplicates(con: duckdb.DuckDBPyConnection, problems: Problems) -> dict[str, int]:
    """Rows repeating a line item of the delivery: loaded once; one quarantine row per file."""
    rows = sql.execute(con, "ingest/invoice_duplicates").fetchall()
    for uri, n, first in rows:
        problems.add(
            uri,
            None,
            Reason.DUPLICATE_LINE_ITEM,
            f"{n} rows repeat a line item already in the delivery (same line item id and time "
            f"interval, or the same row), first at line {first}: each is loaded once",
        )
    return {uri: int(n) for uri, n, _ in rows}


def _load_usage_types(
    con: duckdb.DuckDBPyConnection, names: BillingNames, settings: Settings
) -> None:
    sql.execute(con, "ingest/invoice_usage_types_table")
    keys = sql.execute(con, "ingest/invoice_usage_type_keys").fetchall()
    rows = []
    for usage_type, product, unit, code, display, inference, feature in keys:
        info = (
            parse_usage_type(usage_type, product, names=names, product_code=code)
            if usage_type
            else None
        )
        info = self_described(info, usage_type, display, inference, feature, names=names)
        tpu, unit_label, unit_source = resolve_unit(info, unit, settings)
        rows.append(
            (
                usage_type, product, unit, code, display, inference, feature,
                info.region if info else None,
                info.billing_model_name if info else None,
                info.base_model if info else None,
                info.charge if info else None,
                info.mode if info else None,
                info.tier if info else None,
                info.routing if info else None,
                info.kind if info else None,
                info.endpoint if info else None,
                info.mapped if info else False,
                tpu, unit_label, unit_source,
            )
        )  # fmt: skip
    bulk.insert(con, "ingest/invoice_usage_types_insert", bulk.rows_table(rows, _USAGE_TYPES))


def _group_stats(con: duckdb.DuckDBPyConnection, run_id: str) -> dict[str, int]:
    row = sql.execute(con, "ingest/invoice_group_stats", {"run_id": run_id}).fetchone()
    total, inserted, unmapped, non_model, quarantined, duplicates = row or (0,) * 6
    # Marketplace-looking rows that turned out not to be Bedrock token meters are non-Bedrock too.
    non_bedrock = total - inserted - quarantined - duplicates
    return {
        "rows": int(total),
        "inserted": int(inserted),
        "non_bedrock": int(non_bedrock),
        "unmapped": int(unmapped),
        "non_model": int(non_model),
    }


def _record(
    con: duckdb.DuckDBPyConnection, f: InvoiceFile, fmt: str, run_id: str, duplicates: int = 0
) -> None:
    sql.execute(
        con,
        "ingest/invoice_record_file",
        {
            "uri": f.uri,
            "fingerprint": f.fingerprint,
            "size": f.size,
            "kind": "invoice_" + fmt,
            "run_id": run_id,
            "loaded_at": utc_now(),
            "duplicates": duplicates,
        },
    )


def _short(exc: Exception) -> str:
    return str(exc).splitlines()[0][:200]
