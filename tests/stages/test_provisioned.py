"""Tokens sent through provisioned throughput: billed by the model-unit hours, never per token.

Figures: 2 model-unit hours at $21.18 = $42.36 on the invoice; 5,000 input and 1,000 output
tokens logged through the provisioned ARN; no token line on the invoice.
"""

from __future__ import annotations

from support.recon import DAY, NOVA, D, hourly, line, rated

from reconciler.core.config import Settings
from reconciler.db.stage import StageContext
from reconciler.pricebook import bundled
from reconciler.stages import allocate, rate, reconcile
from tests.support.stage import stage_ctx

PRO = "amazon.nova-pro-v1:0"


def hours(con, cost="42.36", quantity="2"):
    line(
        con,
        quantity=quantity,
        tokens_per_unit=None,
        unit="hour",
        cost=cost,
        base_model=PRO,
        routing=None,
        mode="provisioned",
        charge="model_unit_hours",
        usage_type="USE1-NovaPro-ProvisionedThroughput-NoCommit-ModelUnits",
    )


def recon(con):
    return con.execute(
        "SELECT charge, logged_quantity, rated_cost_usd, delta_usd, status, cause, explanation "
        "FROM reconciliation ORDER BY charge"
    ).fetchall()


def test_bundled_book_rates_provisioned_tokens_at_zero_not_unpriced(con):
    bundled.run(stage_ctx(con, "r0"))
    hourly(con, hour=14, quantity=5000, base_model=PRO)  # mode provisioned, input_tokens
    hourly(con, hour=15, quantity=100, base_model=NOVA, mode="on_demand")
    result = rate.run(StageContext(con, Settings(), "r1", DAY, DAY))
    got = con.execute(
        "SELECT r.base_model, r.mode, r.priced, r.cost_usd, p.base_model, p.mode, p.price_usd "
        "FROM rated_usage AS r JOIN prices AS p USING (price_id) ORDER BY 1"
    ).fetchall()
    assert got == [
        (NOVA, "on_demand", True, 100 * D("0.035") / 1_000_000, NOVA, "on_demand", D("0.035")),
        (PRO, "provisioned", True, D(0), "*", "provisioned", D(0)),
    ]
    assert result.findings == 0


def test_provisioned_tokens_are_covered_by_the_hours(con):
    hours(con)
    hourly(con, hour=14, quantity=5000, base_model=PRO)  # busy: provisioned traffic that hour
    rated(con, quantity=5000, cost="0", base_model=PRO, mode="provisioned", team="a")
    rated(con, quantity=1000, cost="0", base_model=PRO, mode="provisioned", team="b",
          charge="output_tokens")  # fmt: skip
    # unpriced (an older price book): still no token price needed
    rated(con, quantity=300, cost=None, base_model=PRO, mode="provisioned", team="a",
          charge="cache_read_input_tokens")  # fmt: skip
    result = reconcile.run(StageContext(con, Settings(), "r1", DAY, DAY))
    covered = "token(s) sent through provisioned throughput: billed by the model-unit hours, "
    assert recon(con) == [
        ("cache_read_input_tokens", 300, None, D(0), "matched", "provisioned_tokens",
         "300 " + covered + "not per token"),
        ("input_tokens", 5000, D(0), D(0), "matched", "provisioned_tokens",
         "5000 " + covered + "not per token"),
        ("model_unit_hours", 0, D(0), D("42.36"), "gap", "non_token_charge",
         "model_unit_hours charge of $42.36 with nothing logged to rate it against"),
        ("output_tokens", 1000, D(0), D(0), "matched", "provisioned_tokens",
         "1000 " + covered + "not per token"),
    ]  # fmt: skip
    assert result.findings == 1  # the hours only
    assert result.counts == {"non_token_charge": 1, "provisioned_tokens": 3}
    bridge = dict(con.execute("SELECT name, amount_usd FROM bill_bridge").fetchall())
    assert bridge["provisioned_tokens"] == D(0)
    assert bridge["rated_total"] + bridge["non_token_charge"] == bridge["invoiced_total"]
    # the hours are split by the tokens each team sent through the capacity: 5,300 : 1,000
    allocate.run(StageContext(con, Settings(), "r1", DAY, DAY))
    got = con.execute(
        "SELECT team, lines, basis, allocated_usd FROM allocated_spend ORDER BY team"
    ).fetchall()
    # 42.36 x 5300/6300 = 35.636190..., 42.36 x 1000/6300 = 6.723809...
    assert got == [
        ("a", "non_token", "tokens", D("35.64")),
        ("b", "non_token", "tokens", D("6.72")),
    ]


def test_a_per_token_price_on_provisioned_tokens_is_a_gap(con):
    rated(con, quantity=1_000_000, cost="0.80", base_model=PRO, mode="provisioned")
    result = reconcile.run(StageContext(con, Settings(), "r1", DAY, DAY))
    assert recon(con) == [
        ("input_tokens", 1_000_000, D("0.80"), D("-0.80"), "gap", "provisioned_tokens",
         "1000000 provisioned-throughput token(s) rated at $0.80: the model-unit hours already "
         "bill them, drop the per-token price"),
    ]  # fmt: skip
    assert result.findings == 1


# Custom Model Import: billed per Custom Model Unit per minute, never per token.
# Figures: 2 CMUs for 60 minutes = 120 CMU-minutes at $0.0785 = $9.42 on the invoice;
# 7,000 input and 2,000 output tokens logged to the imported model; no token line.
IMPORTED = "imported.acme-llama-ft"
IMPORTED_COVERED = "token(s) sent to an imported model: billed by the Custom Model Unit minutes, "


def test_bundled_book_rates_imported_model_tokens_at_zero_not_unpriced(con):
    bundled.run(stage_ctx(con, "r0"))
    hourly(con, hour=14, quantity=7000, base_model=IMPORTED, mode="custom_import")
    result = rate.run(StageContext(con, Settings(), "r1", DAY, DAY))
    got = con.execute(
        "SELECT r.base_model, r.mode, r.quantity, r.priced, r.cost_usd, p.base_model, p.mode,"
        " p.price_usd FROM rated_usage AS r JOIN prices AS p USING (price_id)"
    ).fetchall()
    assert got == [(IMPORTED, "custom_import", 7000, True, D(0), "*", "custom_import", D(0))]
    assert result.findings == 0


def test_imported_model_tokens_are_covered_by_the_cmu_minutes(con):
    line(
        con,
        quantity="120",
        tokens_per_unit=None,
        unit="minute",
        cost="9.42",
        base_model=None,
        routing=None,
        mode="custom_import",
        charge="custom_model_unit_minutes",
        usage_type="USE1-OSS-CustomModelImport-CMU-Minutes",
    )
    rated(con, quantity=7000, cost="0", base_model=IMPORTED, mode="custom_import", team="a")
    rated(con, quantity=2000, cost="0", base_model=IMPORTED, mode="custom_import", team="b",
          charge="output_tokens")  # fmt: skip
    result = reconcile.run(StageContext(con, Settings(), "r1", DAY, DAY))
    assert recon(con) == [
        ("custom_model_unit_minutes", 0, D(0), D("9.42"), "gap", "non_token_charge",
         "custom_model_unit_minutes charge of $9.42 with nothing logged to rate it against"),
        ("input_tokens", 7000, D(0), D(0), "matched", "provisioned_tokens",
         "7000 " + IMPORTED_COVERED + "not per token"),
        ("output_tokens", 2000, D(0), D(0), "matched", "provisioned_tokens",
         "2000 " + IMPORTED_COVERED + "not per token"),
    ]  # fmt: skip
    assert result.findings == 1  # the CMU minutes only, no unpriced finding
    assert result.counts == {"non_token_charge": 1, "provisioned_tokens": 2}
    bridge = dict(con.execute("SELECT name, amount_usd FROM bill_bridge").fetchall())
    assert bridge["rated_total"] == D(0)
    assert bridge["non_token_charge"] == D("9.42") == bridge["invoiced_total"]


def test_cmu_minutes_are_split_by_the_imported_model_tokens(con):
    line(
        con,
        quantity="120",
        tokens_per_unit=None,
        unit="minute",
        cost="9.42",
        base_model=None,
        routing=None,
        mode="custom_import",
        charge="custom_model_unit_minutes",
        usage_type="USE1-OSS-CustomModelImport-CMU-Minutes",
    )
    rated(con, quantity=7000, cost="0", base_model=IMPORTED, mode="custom_import", team="a")
    rated(con, quantity=2000, cost="0", base_model=IMPORTED, mode="custom_import", team="b",
          charge="output_tokens")  # fmt: skip
    # team c's on-demand usage in the same account and Region (rated $1.00, billed $1.00) gets
    # none of the CMU minutes: it sent no token to the imported model
    rated(con, quantity=1000, cost="1.00", team="c")
    line(con, quantity="1", cost="1.00")
    reconcile.run(StageContext(con, Settings(), "r1", DAY, DAY))
    allocate.run(StageContext(con, Settings(), "r1", DAY, DAY))
    got = con.execute(
        "SELECT team, charge, lines, basis, allocated_usd FROM allocated_spend ORDER BY team"
    ).fetchall()
    # 9.42 x 7000/9000 = 7.326666..., 9.42 x 2000/9000 = 2.093333...
    assert got == [
        ("a", "custom_model_unit_minutes", "non_token", "tokens", D("7.33")),
        ("b", "custom_model_unit_minutes", "non_token", "tokens", D("2.09")),
        ("c", "input_tokens", "usage", "rated_cost", D("1.00")),
    ]


def test_unpriced_imported_model_tokens_need_no_price(con):
    # an older price book without the custom_import rows: unpriced, yet nothing per token is due
    rated(con, quantity=500, cost=None, base_model=IMPORTED, mode="custom_import")
    result = reconcile.run(StageContext(con, Settings(), "r1", DAY, DAY))
    assert recon(con) == [
        ("input_tokens", 500, None, D(0), "matched", "provisioned_tokens",
         "500 " + IMPORTED_COVERED + "not per token"),
    ]  # fmt: skip
    assert result.findings == 0


def test_a_per_token_price_on_imported_model_tokens_is_a_gap(con):
    # 2,000,000 tokens at an overlay's $0.15 / 1M = $0.30, which the CMU minutes already bill
    rated(con, quantity=2_000_000, cost="0.30", base_model=IMPORTED, mode="custom_import")
    result = reconcile.run(StageContext(con, Settings(), "r1", DAY, DAY))
    assert recon(con) == [
        ("input_tokens", 2_000_000, D("0.30"), D("-0.30"), "gap", "provisioned_tokens",
         "2000000 imported-model token(s) rated at $0.30: the Custom Model Unit minutes already "
         "bill them, drop the per-token price"),
    ]  # fmt: skip
    assert result.findings == 1
