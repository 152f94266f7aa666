"""A hand-checkable billing month where a credit is larger than one team's usage.

Account 123456789012, November 2025 (all figures USD, computed by hand below):

* 11-03 us-east-1, Nova Micro input tokens: search rated 0.60 (600k tokens), support rated 0.40
  (400k tokens); the invoice bills the bucket 10.00 -> usage search 6.00, support 4.00 (6:4).
* 11-03 us-west-2, Nova Micro output tokens: tiny rated 0.10 (100k tokens); billed 0.20 ->
  usage tiny 0.20.
* 11-03 a credit of -3.30 that names no model: split by the account's rated cost that day
  (0.60 : 0.40 : 0.10 of 1.10) -> search -1.80, support -1.20, tiny -0.30. Tiny's credit is
  larger than its usage (0.20): tiny owes -0.10.
* 11-03 us-east-1 guardrail text units 2.20 (non-token, nothing logged): policy usage_share, by
  the rated cost of the account and Region that day (0.60 : 0.40) -> search 1.32, support 0.88.
* 11-04 us-east-1 Nova Micro input tokens billed 0.55 with nothing logged -> unattributed 0.55.

Invoice: 10.00 + 0.20 - 3.30 + 2.20 + 0.55 = 9.65.
Owed: search 6.00 + 1.32 - 1.80 = 5.52; support 4.00 + 0.88 - 1.20 = 3.68; tiny 0.20 - 0.30 =
-0.10; unattributed 0.55; sum 9.65.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal as D

from reconciler.core.config import Settings
from reconciler.db.stage import StageContext
from reconciler.stages import allocate, reconcile
from support.recon import line, rated

START, END = date(2025, 11, 3), date(2025, 11, 4)
DAY2 = date(2025, 11, 4)
INVOICE = D("9.65")
OWED = {"search": D("5.52"), "support": D("3.68"), "unattributed": D("0.55"), "tiny": D("-0.10")}
APPS = {"search": "api", "support": "helpdesk", "tiny": "bot", "unattributed": "unattributed"}
# team -> (usage, non_token, idle, credit, tax_or_fee, unattributed)
PARTS = {
    "search": (D("6.00"), D("1.32"), D(0), D("-1.80"), D(0), D(0)),
    "support": (D("4.00"), D("0.88"), D(0), D("-1.20"), D(0), D(0)),
    "tiny": (D("0.20"), D(0), D(0), D("-0.30"), D(0), D(0)),
    "unattributed": (D(0), D(0), D(0), D(0), D(0), D("0.55")),
}
RATED = {"search": D("0.60"), "support": D("0.40"), "tiny": D("0.10"), "unattributed": None}


def build(con) -> None:
    """Insert the month and run reconcile and allocate over it."""
    rated(con, quantity=600_000, cost="0.60", team="search", application="api")
    rated(con, quantity=400_000, cost="0.40", team="support", application="helpdesk")
    rated(
        con,
        quantity=100_000,
        cost="0.10",
        team="tiny",
        application="bot",
        charge="output_tokens",
        region="us-west-2",
    )
    line(con, quantity="1000", cost="10.00")
    line(
        con,
        quantity="100",
        cost="0.20",
        charge="output_tokens",
        region="us-west-2",
        usage_type="USW2-NovaMicro-output-tokens",
    )
    line(
        con,
        cost="-3.30",
        line_item_type="Credit",
        base_model=None,
        charge=None,
        routing=None,
        usage_type=None,
        quantity=None,
    )
    line(
        con,
        quantity="20",
        tokens_per_unit=None,
        unit="1K units",
        cost="2.20",
        base_model=None,
        routing=None,
        charge="guardrail_text_units",
        usage_type="USE1-Guardrail-ContentPolicyUnitsConsumed",
    )
    line(con, quantity="55", cost="0.55", day=DAY2)
    settings = Settings()
    reconcile.run(StageContext(con, settings, "r1", START, END))
    allocate.run(StageContext(con, settings, "r1", START, END))
