"""Negotiated discounts: CSV and config, validation, effective dating, precedence."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from reconciler.core.config import load_settings
from reconciler.core.errors import ConfigError, PriceBookError
from reconciler.pricebook import discounts
from reconciler.pricebook.discounts import load_discount_files
from tests.support.stage import stage_ctx

HEADER = "scope,value,percent,effective_from,effective_to,source\n"


def applicable(con, account, model, day):
    """(percent, scope) of the discount rating would apply, the way discount_book documents it."""
    return con.execute(
        "SELECT percent, scope FROM discount_book WHERE effective_from <= $d"
        " AND (effective_to IS NULL OR $d < effective_to) AND ("
        " (scope = 'account' AND scope_value = $a) OR (scope = 'model' AND scope_value = $m)"
        " OR (scope = 'provider' AND scope_value = split_part($m, '.', 1)) OR scope = 'all')"
        " ORDER BY precedence LIMIT 1",
        {"a": account, "m": model, "d": day},
    ).fetchone()


def test_discount_csv_effective_dating_and_precedence(con, tmp_path):
    path = tmp_path / "d.csv"
    path.write_text(
        HEADER + "all,*,3,2025-01-01,,EDP 2025\n"
        "provider,anthropic,5,2025-06-01,2025-12-01,PPA\n"
        "account,111122223333,10,2025-11-10,,private rate\n"
    )
    result = load_discount_files(con, [path], "r")
    assert (result.rows_in, result.rows_out) == (3, 3)
    haiku = "anthropic.claude-haiku-4-5-20251001-v1:0"
    assert applicable(con, "444455556666", haiku, date(2025, 5, 31)) == (Decimal("3"), "all")
    assert applicable(con, "444455556666", haiku, date(2025, 6, 1)) == (Decimal("5"), "provider")
    assert applicable(con, "444455556666", "amazon.nova-micro-v1:0", date(2025, 6, 1)) == (
        Decimal("3"),
        "all",
    )
    assert applicable(con, "111122223333", haiku, date(2025, 11, 9)) == (Decimal("5"), "provider")
    assert applicable(con, "111122223333", haiku, date(2025, 11, 10)) == (Decimal("10"), "account")
    assert applicable(con, "444455556666", haiku, date(2025, 12, 1)) == (Decimal("3"), "all")
    assert applicable(con, "444455556666", haiku, date(2024, 12, 31)) is None
    # discounted cost by hand: $12.50 list at 5% off = 11.875
    (net,) = con.execute(
        "SELECT CAST(12.50 * (100 - percent) * 0.01 AS DECIMAL(38, 12)) FROM discount_book"
        " WHERE scope = 'provider'"
    ).fetchone()
    assert net == Decimal("11.875")
    load_discount_files(con, [path], "r2")  # reload replaces
    assert con.execute("SELECT count(*) FROM discounts").fetchone() == (3,)


@pytest.mark.parametrize(
    ("row", "message"),
    [
        (
            "team,x,5,2025-01-01,,s",
            "unknown scope 'team'; use one of: all, account, model, provider",
        ),
        ("account,1234,5,2025-01-01,,s", "account '1234' is not a 12-digit AWS account id"),
        (
            "all,*,150,2025-01-01,,s",
            "percent '150' is out of range; use more than 0 and at most 100",
        ),
        ("all,*,5%,2025-01-01,,s", "percent '5%' is not a number; write 7.5 for 7.5% off"),
        (
            "all,*,2.1234567,2025-01-01,,s",
            "percent '2.1234567' has more than 6 decimal places; round it",
        ),
        (
            "model,us.anthropic.claude-haiku-4-5-20251001-v1:0,5,2025-01-01,,s",
            "model 'us.anthropic.claude-haiku-4-5-20251001-v1:0' is an inference profile id; "
            "use the base model id",
        ),
        (
            "all,*,5,2025-02-01,2025-01-01,s",
            "effective_to 2025-01-01 is not after effective_from 2025-02-01; effective_to is "
            "exclusive: make it later, or leave it empty for an open range",
        ),
    ],
)
def test_discount_validation_messages(con, tmp_path, row, message):
    path = tmp_path / "d.csv"
    path.write_text(HEADER + row + "\n")
    with pytest.raises(PriceBookError) as exc:
        load_discount_files(con, [path], "r")
    assert str(exc.value) == f"{path}:2: {message}"


def test_overlapping_discounts_for_one_scope_are_rejected(con, tmp_path):
    path = tmp_path / "d.csv"
    path.write_text(HEADER + "all,*,3,2025-01-01,,a\nall,*,4,2025-06-01,2025-07-01,b\n")
    with pytest.raises(PriceBookError) as exc:
        load_discount_files(con, [path], "r")
    assert str(exc.value) == (
        f"{path}:3: discount all=* 2025-06-01..2025-07-01 overlaps 2025-01-01..open at "
        f"{path}:2; end one range where the other begins (effective_to is exclusive)"
    )


def test_config_discounts_sync_replaces_previous_config_rows(con, tmp_path):
    cfg = tmp_path / "reconciler.toml"
    cfg.write_text(
        "[[pricing.discounts]]\nscope = 'provider'\nvalue = 'anthropic'\npercent = 7.5\n"
        "effective_from = 2025-01-01\n"
    )
    discounts.run(stage_ctx(con, "r1", load_settings(str(cfg))))
    assert con.execute("SELECT scope, scope_value, percent, source FROM discounts").fetchall() == [
        ("provider", "anthropic", Decimal("7.5"), str(cfg))
    ]
    cfg.write_text(
        "[[pricing.discounts]]\nscope = 'all'\npercent = '2'\neffective_from = 2025-01-01\n"
        "effective_to = 2026-01-01\nsource = 'EDP'\n"
    )
    discounts.run(stage_ctx(con, "r2", load_settings(str(cfg))))
    assert con.execute("SELECT scope, scope_value, percent, source FROM discounts").fetchall() == [
        ("all", "*", Decimal("2"), "EDP")
    ]


def test_config_discount_errors_name_the_key(tmp_path, con):
    cfg = tmp_path / "reconciler.toml"
    cfg.write_text(
        "[[pricing.discounts]]\nscope = 'account'\nvalue = '12'\npercent = 5\n"
        "effective_from = 2025-01-01\n"
    )
    with pytest.raises(ConfigError) as exc:
        discounts.run(stage_ctx(con, "r", load_settings(str(cfg))))
    assert str(exc.value) == (
        f"{cfg}: key 'pricing.discounts[0].value': account '12' is not a 12-digit AWS account id"
    )
    cfg.write_text(
        "[[pricing.discounts]]\nscope = 'all'\npercent = 0\neffective_from = 2025-01-01\n"
    )
    with pytest.raises(ConfigError) as exc2:
        load_settings(str(cfg))
    assert str(exc2.value).startswith(
        f"{cfg}: key 'pricing.discounts.0.percent': Input should be greater than 0"
    )
