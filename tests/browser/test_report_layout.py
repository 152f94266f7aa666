"""The HTML report a team lead forwards, in a real headless Chromium at desktop and laptop widths:
it leads with the chargeback, the gaps' explanations are visible without scrolling, amounts are
formatted for their size (no -0.00, no 0E-12), and long or bidi-override names are clipped and
stripped. Screenshots are saved as test artefacts in ``test-artifacts/html-report/`` at the
repository root (git-ignored; ``REPORT_ARTIFACTS`` overrides the directory).

Skips with the reason when Chromium, chromedriver or selenium is missing (see
test_html_in_chromium.py).
"""

from __future__ import annotations

import os
import re
from datetime import date
from decimal import Decimal as D
from pathlib import Path

import pytest
import support.report_fixture as rf

from reconciler.outputs.chargeback import Chargeback, ChargebackRow, PeriodTotal
from reconciler.outputs.html_report import render_html
from reconciler.outputs.report_data import Gap

CHROMIUM, DRIVER = Path("/usr/bin/chromium"), Path("/usr/bin/chromedriver")
if not (CHROMIUM.exists() and DRIVER.exists()):
    pytest.skip(
        f"{CHROMIUM} or {DRIVER} absent: apt-get install chromium chromium-driver",
        allow_module_level=True,
    )
webdriver = pytest.importorskip("selenium.webdriver", reason="selenium not installed (dev extra)")
from selenium.webdriver.common.by import By  # noqa: E402

ARTIFACTS = Path(
    os.environ.get("REPORT_ARTIFACTS")
    or Path(__file__).resolve().parents[2] / "test-artifacts" / "html-report"
)
WIDTHS = {"desktop": (1920, 1080), "laptop": (1366, 768)}
LONG = "x" * 10_000  # a 10 kB team name from request metadata
BIDI = "\u202egnp.exe"  # shows as "exe.png" unless the override is stripped
NOV = date(2025, 11, 1)
ZERO = D("0.000000000000") - D("0.000000000000")  # Decimal('0E-12')


def _cb_row(team: str, amount: str, parts: tuple[str, ...], rated: str | None, why: str):
    return ChargebackRow(
        NOV, (team,), D(amount), tuple(D(p) for p in parts), D(rated) if rated else None, (), why
    )


def report_doc() -> str:
    rows = (
        _cb_row("search", "5.52", ("6.00", "1.32", "0", "-1.80", "0", "0"), "0.60", "credits"),
        _cb_row(LONG, "1.00", ("1.00", "0", "0", "0", "0", "0"), "0.0000049", ""),
        _cb_row(BIDI, "0.50", ("0.50", "0", "0", "0", "0", "0"), "0.05", ""),
        _cb_row(
            "tiny",
            "-0.10",
            ("0.20", "0", "0", "-0.30", "0", "0"),
            "0.10",
            "negative: credits -0.30 (credit lines that name no model, shared by the account's "
            "teams by rated cost) exceed the 0.20 charged this period",
        ),
    )
    period = PeriodTotal(
        NOV, D("6.92"), tuple(D(p) for p in ("7.70", "1.32", "0", "-2.10", "0", "0")), D("0.75"),
        D("6.92"),
    )  # fmt: skip
    explanation = (
        "billed 500000 more than logged (500000 vs 0): traffic without logs (Region with logging "
        "off, Mantle, batch) " * 2
    )
    gaps = (
        Gap(date(2025, 11, 4), "111122223333", "us-east-1", rf.HAIKU, "output_tokens",
            D(300), D(0), D("0.0045"), ZERO, D("-0.0045"), "unbilled_usage", explanation),
        Gap(date(2025, 11, 4), "111122223333", "us-east-1", LONG, "input_tokens",
            D(0), D(80000), ZERO, D("0.0576"), D("0.0576"), "unlogged_usage", explanation),
        Gap(date(2025, 11, 3), "444455556666", "us-east-1", BIDI, "model_unit_hours",
            D(0), D(24), ZERO, D("508.32"), D("508.32"), "non_token_charge", explanation),
    )  # fmt: skip
    base = rf.data()
    data = type(base)(
        start=base.start,
        end=base.end,
        chargeback=Chargeback(base.start, base.end, ("team",), rows, (period,)),
        team_daily=(*base.team_daily, *(type(base.team_daily[0])(LONG, base.end, D("0.5")),)),
        models=base.models,
        bridge=base.bridge,
        gaps=gaps,
        attribution=base.attribution,
        logging=base.logging,
    )
    return render_html(data)


@pytest.fixture(scope="module")
def driver(tmp_path_factory):
    options = webdriver.ChromeOptions()
    options.binary_location = str(CHROMIUM)
    for flag in ("--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--disable-dev-shm-usage", "--hide-scrollbars"):  # fmt: skip
        options.add_argument(flag)
    options.add_argument(f"--user-data-dir={tmp_path_factory.mktemp('chromium-profile')}")
    d = webdriver.Chrome(options=options, service=webdriver.ChromeService(str(DRIVER)))
    yield d
    d.quit()


@pytest.mark.parametrize("width", list(WIDTHS))
def test_report_layout_at_common_widths(driver, tmp_path, width):
    page = tmp_path / "report.html"
    page.write_text(report_doc(), encoding="utf-8")
    driver.set_window_size(*WIDTHS[width])
    driver.get(page.as_uri())
    viewport = driver.execute_script("return document.documentElement.clientWidth")

    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    shot = ARTIFACTS / f"report-{width}.png"
    driver.save_screenshot(str(shot))
    assert shot.stat().st_size > 10_000
    # the whole page too: a tall window, then back
    height = driver.execute_script("return document.documentElement.scrollHeight")
    driver.set_window_size(WIDTHS[width][0], min(height + 200, 8000))
    driver.save_screenshot(str(ARTIFACTS / f"report-{width}-full.png"))
    driver.set_window_size(*WIDTHS[width])

    # it leads with the chargeback, then the trends, gaps and coverage
    headings = [h.text for h in driver.find_elements(By.TAG_NAME, "h2")]
    assert headings[0] == "Chargeback per team"
    assert headings.index("Rated spend per team") < headings.index("Reconciliation gaps")
    assert headings[-2:] == ["Attribution rule coverage", "Logging coverage"]
    chargeback = driver.find_element(By.ID, "chargeback").rect
    assert chargeback["y"] < WIDTHS[width][1]  # starts on the first screen

    # nothing is wider than the window: no horizontal scrollbar anywhere
    assert driver.execute_script("return document.documentElement.scrollWidth") <= viewport
    for table in driver.find_elements(By.CSS_SELECTOR, "table"):
        box = table.rect
        assert box["x"] + box["width"] <= viewport + 1, table.get_attribute("class")

    # the gaps' explanations are visible, in full, without scrolling sideways
    cells = driver.find_elements(By.CSS_SELECTOR, "table.gap-table tbody tr td:last-child")
    assert len(cells) == 3
    for cell in cells:
        box = cell.rect
        assert box["x"] + box["width"] <= viewport
        assert box["width"] >= 150
        assert "traffic without logs (Region with logging off, Mantle, batch)" in cell.text

    text = driver.find_element(By.TAG_NAME, "body").text
    assert not re.search(r"-0\.00(?!\d)", text)  # -0.0045 is fine, -0.00 is not
    assert "E-12" not in text
    assert "\u202e" not in text
    assert "gnp.exe" in text  # stripped of the override, shown as written
    gaps = driver.find_element(By.CSS_SELECTOR, "table.gap-table").text
    first = driver.find_elements(By.CSS_SELECTOR, "table.gap-table tbody tr")[0]
    cells = [c.text for c in first.find_elements(By.TAG_NAME, "td")]
    # below a cent: two significant digits (not 0.00 / -0.00); exact zero: 0.00
    assert cells[4:7] == ["0.0045", "0.00", "-0.0045"]
    assert "0.06" in gaps  # 0.0576: cents from a cent up
    # the 10 kB name is clipped in every table cell and legend entry it appears in
    clipped = driver.find_elements(By.CSS_SELECTOR, "span.clip")
    assert clipped
    for el in clipped:
        assert len(el.text) <= 64
        assert el.text.endswith("…")
        assert el.rect["width"] < viewport / 2
    # the negative amount is visibly explained
    tiny = next(
        r
        for r in driver.find_elements(By.CSS_SELECTOR, "table.chargeback-table tbody tr")
        if r.text.startswith("tiny")
    )
    assert "-0.10" in tiny.text
    assert "negative: credits -0.30" in tiny.text
