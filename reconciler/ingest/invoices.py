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

from reconciler.core.clock import utc_now
from reconciler.core.config import Settings
from reconciler.core.progress import NO_PROGRESS, ProgressSink
from reconciler.core.quarantine import Problems, Reason, write_problems
from reconciler.core.usage_types import (
    BillingNames,
    UsageTypeInfo,
    learned_rows,
    load_billing_names,
    parse_usage_type,
    self_described,
)
from reconciler.db import sql, transaction
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
_NORM_DDL = """
CREATE OR REPLACE TEMP TABLE invoice_norm (
    source_uri VARCHAR, source_format VARCHAR, source_family VARCHAR, line_number BIGINT,
    billing_period VARCHAR, usage_start VARCHAR, usage_end VARCHAR, account_id VARCHAR,
    region VARCHAR, product_code VARCHAR, product_name VARCHAR, product_family VARCHAR,
    usage_type VARCHAR, operation VARCHAR, line_item_type VARCHAR, quantity VARCHAR,
    pricing_unit VARCHAR, unblended_rate VARCHAR, unblended_cost VARCHAR, net_cost VARCHAR,
    discount_total VARCHAR, discounts MAP(VARCHAR, VARCHAR), resource_id VARCHAR,
    iam_principal VARCHAR, tags MAP(VARCHAR, VARCHAR), payer_account_id VARCHAR,
    model_display_name VARCHAR, inference_type VARCHAR, feature VARCHAR,
    line_item_id VARCHAR, time_interval VARCHAR, currency VARCHAR)
"""
# format -> (line item id, time interval, currency) columns, read when the file has them
_IDENTITY: dict[str, tuple[str, str, str]] = {
    "cur2": ("identity_line_item_id", "identity_time_interval", "line_item_currency_code"),
    "cur_legacy": ("identity/LineItemId", "identity/TimeInterval", "lineItem/CurrencyCode"),
    "focus_1_0": ("", "", "BillingCurrency"),
    "focus_1_2": ("", "", "BillingCurrency"),
}
# Formats in order of precedence (stages/invoice_precedence); the words used in findings.
PRECEDENCE = ("cur2", "focus_1_2", "focus_1_0", "cur_legacy", "cost_explorer")
_UT_DDL = """
CREATE OR REPLACE TEMP TABLE invoice_usage_types (
    usage_type VARCHAR, product_name VARCHAR, pricing_unit VARCHAR, product_code VARCHAR,
    model_display_name VARCHAR, inference_type VARCHAR, feature VARCHAR, region VARCHAR,
    billing_model_name VARCHAR, base_model VARCHAR, charge VARCHAR, mode VARCHAR, tier VARCHAR,
    routing VARCHAR, kind VARCHAR, endpoint VARCHAR, mapped BOOLEAN, tokens_per_unit BIGINT,
    unit VARCHAR, unit_source VARCHAR)
"""


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
        rows = con.execute(
            "SELECT s.billing_period, s.source_family, min(s.source_format), min(s.superseded_by),"
            " min(w.source_format), sum(s.lines), CAST(sum(s.net_cost_usd) AS DECIMAL(38, 12)),"
            " count(DISTINCT s.account_id)"
            " FROM invoice_sources AS s JOIN invoice_sources AS w"
            "  ON w.billing_period = s.billing_period AND w.account_id = s.account_id"
            "  AND w.source_family = s.superseded_by"
            " WHERE NOT s.used AND s.source_format <> 'cost_explorer'"
            "  AND (s.run_id = $r OR w.run_id = $r)"
            " GROUP BY s.billing_period, s.source_family ORDER BY 1, 2",
            {"r": run_id},
        ).fetchall()
        for period, family, fmt, winner, winner_fmt, lines, net, accounts in rows:
            problems.add(
                family,
                None,
                Reason.SUPERSEDED_INVOICE_SOURCE,
                f"billing period {period:%Y-%m}, {accounts} account(s): {lines} {fmt} lines "
                f"(net {net} USD) not counted; {winner_fmt} source {_tail(winner)} is used "
                f"(precedence {' > '.join(PRECEDENCE)}, latest delivery among copies)",
            )
    row = con.execute(
        "SELECT count(*) FROM invoice_line_items WHERE superseded_by IS NOT NULL"
    ).fetchone()
    return int(row[0]) if row else 0


def _tail(family: str, keep: int = 90) -> str:
    return family if len(family) <= keep else "..." + family[-keep:]


def _unchanged(con: duckdb.DuckDBPyConnection, files: list[InvoiceFile]) -> bool:
    for f in files:
        row = con.execute(
            "SELECT 1 FROM source_objects WHERE source_uri = $u AND fingerprint = $f",
            {"u": f.uri, "f": f.fingerprint},
        ).fetchone()
        if row is None:
            return False
    return True


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
    con.execute(_NORM_DDL)
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
    _quarantine_bad_rows(con, problems)
    duplicates = _report_duplicates(con, problems)
    _load_usage_types(con, names, settings)
    with transaction(con):
        periods = [
            r[0]
            for r in con.execute(
                "SELECT DISTINCT billing_period FROM invoice_typed WHERE bad IS NULL"
            ).fetchall()
        ]
        if group.period is not None:
            periods.append(datetime.strptime(group.period + "-01", "%Y-%m-%d").date())  # noqa: DTZ007
        for period in sorted(set(periods)):
            con.execute(
                "DELETE FROM invoice_line_items WHERE source_family = $f AND billing_period = $p",
                {"f": group.family, "p": period},
            )
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
        if is_parquet:
            raw = con.sql(
                "SELECT * EXCLUDE (file_row_number), file_row_number AS file_row "
                "FROM read_parquet($p, file_row_number = true)",
                params={"p": path},
            )
        else:
            raw = con.sql(
                "SELECT *, row_number() OVER () AS file_row "
                "FROM read_csv($p, header = true, all_varchar = true)",
                params={"p": path},
            )
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
    con.execute(
        "INSERT INTO invoice_norm BY NAME\n"  # noqa: S608 - SQL from queries/ and module constants
        "SELECT n.*, x.line_item_id, x.time_interval, x.currency FROM (\n"
        + sql.load(sql_name)
        + "\n) AS n LEFT JOIN (SELECT CAST(file_row AS BIGINT) + $line_offset AS line_number, "
        + _identity_sql(fmt, columns)
        + " FROM invoice_src) AS x USING (line_number)",
        {
            "source_uri": f.uri,
            "source_format": fmt,
            "source_family": family,
            "line_offset": 1,
        },
    )
    return fmt


def _identity_sql(fmt: str, columns: dict[str, str]) -> str:
    """The line item id, time interval and currency columns of a format, NULL where absent.

    Read beside the normaliser (joined on the line number) so that the format's mapping SQL stays
    as it is; identifiers come only from ``_IDENTITY`` (quoted), never from file content.
    """
    out = []
    for name, alias in zip(
        _IDENTITY[fmt], ("line_item_id", "time_interval", "currency"), strict=True
    ):
        if name and name in columns:
            out.append(f"CAST({_quote(name)} AS VARCHAR) AS {alias}")
        else:
            out.append(f"CAST(NULL AS VARCHAR) AS {alias}")
    return ", ".join(out)


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


def _quarantine_bad_rows(con: duckdb.DuckDBPyConnection, problems: Problems) -> None:
    rows = con.execute(
        "SELECT source_uri, line_number, bad_reason, bad FROM invoice_typed "
        "WHERE bad IS NOT NULL AND (strong_bedrock OR marketplace_candidate) "
        "ORDER BY source_uri, line_number"
    ).fetchall()
    for uri, line, reason, bad in rows:
        problems.add(uri, line, Reason(reason), bad)


def _currencies_convertible(
    con: duckdb.DuckDBPyConnection, settings: Settings, problems: Problems
) -> bool:
    """Fill ``invoice_currency_rates``; False (and each file quarantined) when the delivery has
    Bedrock lines in a currency without a configured rate: amounts in EUR are not dollars, and
    reconciling them as such would be silently wrong."""
    rates = {"USD": Decimal(1)} | {
        k.upper(): v for k, v in settings.invoices.currency_rates.items()
    }
    con.execute(
        "CREATE OR REPLACE TEMP TABLE invoice_currency_rates "
        "(currency VARCHAR, rate DECIMAL(14, 11))"
    )
    con.executemany("INSERT INTO invoice_currency_rates VALUES (?, ?)", list(rates.items()))
    missing = con.execute(
        "SELECT source_uri, list(DISTINCT currency ORDER BY currency), count(*) "
        "FROM invoice_typed WHERE (strong_bedrock OR marketplace_candidate) "
        "AND currency NOT IN (SELECT currency FROM invoice_currency_rates) "
        "GROUP BY source_uri ORDER BY source_uri"
    ).fetchall()
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
    rows = con.execute(
        "SELECT source_uri, count(*), min(line_number) FROM invoice_typed "
        "WHERE duplicate AND (strong_bedrock OR marketplace_candidate) "
        "GROUP BY source_uri ORDER BY source_uri"
    ).fetchall()
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
    con.execute(_UT_DDL)
    keys = con.execute(
        "SELECT DISTINCT usage_type, product_name, pricing_unit, product_code, "
        "model_display_name, inference_type, feature FROM invoice_typed "
        "WHERE bad IS NULL AND (strong_bedrock OR marketplace_candidate)"
    ).fetchall()
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
    if rows:
        con.executemany(
            "INSERT INTO invoice_usage_types VALUES "
            "(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            rows,
        )


def _group_stats(con: duckdb.DuckDBPyConnection, run_id: str) -> dict[str, int]:
    total, non_bedrock = con.execute(
        "SELECT count(*), count(*) FILTER (WHERE NOT strong_bedrock AND NOT marketplace_candidate)"
        " FROM invoice_typed"
    ).fetchone() or (0, 0)
    inserted, unmapped, non_model = con.execute(
        "SELECT count(*), count(*) FILTER (WHERE NOT mapped AND charge_category = 'Usage'), "
        "count(*) FILTER (WHERE usage_kind IN ('agentcore', 'knowledge_base')) "
        "FROM invoice_line_items WHERE run_id = $r "
        "AND source_uri IN (SELECT DISTINCT source_uri FROM invoice_typed)",
        {"r": run_id},
    ).fetchone() or (0, 0, 0)
    # Marketplace-looking rows that turned out not to be Bedrock token meters are non-Bedrock too.
    bad = con.execute(
        "SELECT count(*) FROM invoice_typed WHERE bad IS NOT NULL "
        "AND (strong_bedrock OR marketplace_candidate)"
    ).fetchone()
    quarantined = bad[0] if bad else 0
    dup = con.execute(
        "SELECT count(*) FROM invoice_typed WHERE duplicate "
        "AND (strong_bedrock OR marketplace_candidate)"
    ).fetchone()
    non_bedrock = total - inserted - quarantined - (dup[0] if dup else 0)
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
    n = con.execute(
        "SELECT count(*) FROM invoice_line_items WHERE source_uri = $u AND run_id = $r",
        {"u": f.uri, "r": run_id},
    ).fetchone()
    q = con.execute(
        "SELECT count(*) FROM invoice_typed WHERE source_uri = $u AND bad IS NOT NULL "
        "AND (strong_bedrock OR marketplace_candidate)",
        {"u": f.uri},
    ).fetchone()
    con.execute(
        "INSERT OR REPLACE INTO source_objects (source_uri, fingerprint, size_bytes, kind, run_id,"
        " loaded_at, records, duplicates, quarantined) VALUES ($u, $f, $s, $k, $r, $t, $n, $d, $q)",
        {
            "u": f.uri,
            "f": f.fingerprint,
            "s": f.size,
            "k": "invoice_" + fmt,
            "r": run_id,
            "t": utc_now(),
            "n": n[0] if n else 0,
            "d": duplicates,
            "q": q[0] if q else 0,
        },
    )


def _short(exc: Exception) -> str:
    return str(exc).splitlines()[0][:200]
