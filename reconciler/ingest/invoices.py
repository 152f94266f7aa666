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
  missing traffic (:func:`check_invoice_units`, re-run by the reconciliation after prices load).
* Line item types are all kept (credits, discounts, tax) with a FOCUS ``charge_category``.
* The payer account (CUR ``bill_payer_account_id``, legacy ``bill/PayerAccountId``, FOCUS
  ``BillingAccountId``) is kept as ``payer_account_id``: the FOCUS export's BillingAccountId.
"""

from __future__ import annotations

import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import duckdb

from reconciler.config import Settings
from reconciler.db import sql, transaction
from reconciler.ingest.invoice_models import match_counts, match_invoice_models
from reconciler.ingest.invoice_sources import InvoiceFile, InvoiceGroup, discover, materialise
from reconciler.progress import NO_PROGRESS, ProgressSink
from reconciler.quarantine import Problems, Reason, write_problems
from reconciler.runs import StageResult
from reconciler.usage_types import (
    BillingNames,
    UsageTypeInfo,
    learned_rows,
    load_billing_names,
    parse_usage_type,
    self_described,
)

__all__ = ["check_invoice_units", "detect_format", "ingest_invoices", "resolve_unit"]

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
    model_display_name VARCHAR, inference_type VARCHAR, feature VARCHAR)
"""
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


def ingest_invoices(
    con: duckdb.DuckDBPyConnection,
    sources: list[str],
    *,
    settings: Settings,
    run_id: str,
    problems: Problems | None = None,
    s3_client: Callable[[], Any] | None = None,
    progress: ProgressSink | None = None,
) -> StageResult:
    """Load billing files into ``invoice_line_items``; one StageResult for the whole call.

    ``progress`` (optional) is told the number of files found, then advanced per file read
    (with its size) or skipped as unchanged."""
    started = time.perf_counter()
    sink = progress or NO_PROGRESS
    problems = problems if problems is not None else Problems()
    first_problem = len(problems)
    names = load_billing_names(settings.invoices.billing_names, learned_rows(con))
    result = StageResult("ingest invoice")
    counts = dict.fromkeys(
        (
            "files", "files_unchanged", "files_skipped", "bedrock_rows", "non_bedrock_rows",
            "unmapped_rows", "non_model_rows",
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
    write_problems(con, problems, first_problem, run_id)
    check_invoice_units(con)
    counts |= match_counts(con, run_id)
    result.counts = counts
    result.problems_by_reason = Problems(items=problems.items[first_problem:]).by_reason()
    result.seconds = time.perf_counter() - started
    return result


def check_invoice_units(con: duckdb.DuckDBPyConnection) -> dict[str, int]:
    """(Re)compute ``unit_check`` of every invoice line against the current price book.

    Lines whose model no table named are matched to the logged models first
    (:func:`~reconciler.ingest.invoice_models.match_invoice_models`), so they are checked too;
    returns that match's counts.
    """
    matched = match_invoice_models(con)
    con.execute("UPDATE invoice_line_items SET unit_check = 'unknown'")
    sql.execute(con, "stages/invoice_unit_check")
    return matched


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
    _quarantine_bad_rows(con, problems)
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
        sql.execute(con, "stages/invoice_insert", {"run_id": run_id})
        stats = _group_stats(con, run_id)
        for f in group.files:
            _record(con, f, formats[f.uri], run_id)
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
        "INSERT INTO invoice_norm BY NAME\n" + sql.load(sql_name),
        {
            "source_uri": f.uri,
            "source_format": fmt,
            "source_family": family,
            "line_offset": 1,
        },
    )
    return fmt


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
        "SELECT source_uri, line_number, bad FROM invoice_typed "
        "WHERE bad IS NOT NULL AND (strong_bedrock OR marketplace_candidate) "
        "ORDER BY source_uri, line_number"
    ).fetchall()
    for uri, line, bad in rows:
        problems.add(uri, line, Reason.BAD_FIELD, bad)


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
    non_bedrock = total - inserted - quarantined
    return {
        "rows": int(total),
        "inserted": int(inserted),
        "non_bedrock": int(non_bedrock),
        "unmapped": int(unmapped),
        "non_model": int(non_model),
    }


def _record(con: duckdb.DuckDBPyConnection, f: InvoiceFile, fmt: str, run_id: str) -> None:
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
        " loaded_at, records, duplicates, quarantined) VALUES ($u, $f, $s, $k, $r, $t, $n, 0, $q)",
        {
            "u": f.uri,
            "f": f.fingerprint,
            "s": f.size,
            "k": "invoice_" + fmt,
            "r": run_id,
            "t": datetime.now(UTC).replace(tzinfo=None),
            "n": n[0] if n else 0,
            "q": q[0] if q else 0,
        },
    )


def _short(exc: Exception) -> str:
    return str(exc).splitlines()[0][:200]
