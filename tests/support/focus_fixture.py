"""A small allocated month in stand-in tables (the real views come from other stages).

Figures are chosen by hand: the allocated amounts add up to 7.16 USD; the logged quantities are
what the spend rows of the same keys hold.
"""

from __future__ import annotations

from decimal import Decimal

import duckdb

HOSTILE_TEAM = '=HYPERLINK("http://x","y")'
HOSTILE_APP = "+app"
HAIKU = "anthropic.claude-haiku-4-5-20251001-v1:0"
NOVA = "amazon.nova-micro-v1:0"
ACCOUNT = "123456789012"

# usage_date, team, application, base_model, charge, allocated_usd, lines, basis
ALLOCATED = [
    ("2025-11-03", "search", "api", HAIKU, "input_tokens", "1.23", "usage", "rated_cost"),
    ("2025-11-03", "search", "api", HAIKU, "output_tokens", "4.56", "usage", "rated_cost"),
    ("2025-11-03", HOSTILE_TEAM, HOSTILE_APP, NOVA, "input_tokens", "0.07", "usage", "rated_cost"),
    (
        "2025-11-03",
        "unattributed",
        "unattributed",
        HAIKU,
        "input_tokens",
        "0.50",
        "unlogged",
        "unattributed",
    ),
    (
        "2025-11-03",
        "unattributed",
        "unattributed",
        None,
        "other",
        "-1.50",
        "credit",
        "unattributed",
    ),
    ("2025-11-04", "search", "api", HAIKU, "input_tokens", "2.00", "usage", "rated_cost"),
    ("2025-11-04", "search", "api", None, "other", "0.30", "tax_or_fee", "rated_cost"),
]
ALLOCATED_TOTAL = Decimal("7.16")  # 1.23 + 4.56 + 0.07 + 0.50 - 1.50 + 2.00 + 0.30

# usage_date, team, application, base_model, charge, quantity, unit (two rows for one key)
SPEND = [
    ("2025-11-03", "search", "api", HAIKU, "input_tokens", 1_000_000, "token"),
    ("2025-11-03", "search", "api", HAIKU, "input_tokens", 230_000, "token"),
    ("2025-11-03", "search", "api", HAIKU, "output_tokens", 912_000, "token"),
    ("2025-11-03", HOSTILE_TEAM, HOSTILE_APP, NOVA, "input_tokens", 2_000_000, "token"),
    ("2025-11-04", "search", "api", HAIKU, "input_tokens", 2_000_000, "token"),
]


def load(con: duckdb.DuckDBPyConnection) -> None:
    """Write the month into the tables behind the real `allocated_spend` and `spend` views."""
    for day, team, app, model, charge, usd, line, basis in ALLOCATED:
        con.execute(
            "INSERT INTO allocated_spend_rows (billing_period, usage_date, team, application, "
            "base_model, charge, line, basis, exact_usd, allocated_usd, run_id, account_id) "
            "VALUES (date_trunc('month', CAST($d AS DATE)), CAST($d AS DATE), $t, $a, $m, $c, "
            "$l, $b, CAST($u AS DECIMAL(38, 12)), CAST($u AS DECIMAL(38, 12)), 'test', $acct)",
            {
                "acct": ACCOUNT,
                "d": day,
                "t": team,
                "a": app,
                "m": model,
                "c": charge,
                "l": line,
                "b": basis,
                "u": usd,
            },
        )
    for day, team, app, model, charge, quantity, unit in SPEND:
        con.execute(
            "INSERT INTO rated_usage (usage_date, account_id, region, base_model, routing, tier, "
            "mode, charge, context_tier, team, application, attribution_rule, quantity, unit, "
            "priced, run_id) VALUES (CAST($d AS DATE), $acct, 'us-east-1', $m, 'in_region', "
            "'standard', 'on_demand', $c, 'standard', $t, $a, 'default', $q, $unit, false, 'test')",
            {
                "d": day,
                "acct": ACCOUNT,
                "m": model,
                "c": charge,
                "t": team,
                "a": app,
                "q": quantity,
                "unit": unit,
            },
        )
