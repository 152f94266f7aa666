"""The HTML report in a real headless Chromium: it renders, the charts are drawn, hostile strings
are text and nothing executes.

Needs the Debian packages ``chromium`` and ``chromium-driver`` (``.ci/run`` installs them) and
``selenium`` (dev extra). Skips with the reason when any of them is missing.
"""

from __future__ import annotations

from pathlib import Path

import pytest
import support.report_fixture as rf

from reconciler.outputs.html_report import render_html

CHROMIUM, DRIVER = Path("/usr/bin/chromium"), Path("/usr/bin/chromedriver")
if not (CHROMIUM.exists() and DRIVER.exists()):
    pytest.skip(
        f"{CHROMIUM} or {DRIVER} absent: apt-get install chromium chromium-driver",
        allow_module_level=True,
    )
webdriver = pytest.importorskip("selenium.webdriver", reason="selenium not installed (dev extra)")
from selenium.common.exceptions import NoAlertPresentException  # noqa: E402
from selenium.webdriver.common.by import By  # noqa: E402

FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-dev-shm-usage",
    "--window-size=1200,900",
]


@pytest.fixture(scope="module")
def driver(tmp_path_factory):
    options = webdriver.ChromeOptions()
    options.binary_location = str(CHROMIUM)
    for flag in FLAGS:
        options.add_argument(flag)
    options.add_argument(f"--user-data-dir={tmp_path_factory.mktemp('chromium-profile')}")
    d = webdriver.Chrome(options=options, service=webdriver.ChromeService(str(DRIVER)))
    yield d
    d.quit()


def _open(driver, tmp_path, doc: str):
    page = tmp_path / "report.html"
    page.write_text(doc, encoding="utf-8")
    driver.get(page.as_uri())
    return driver


def _no_csp(doc: str) -> str:
    """The same page without its CSP, to prove escaping alone keeps scripts out."""
    start = doc.index('<meta http-equiv="Content-Security-Policy"')
    return doc[:start] + doc[doc.index(">", start) + 1 :]


def test_page_renders_with_every_section(driver, tmp_path):
    d = _open(driver, tmp_path, render_html(rf.data()))
    assert d.title == "Amazon Bedrock spend report, 2025-11-03 to 2025-11-05"
    headings = [h.text for h in d.find_elements(By.TAG_NAME, "h2")]
    assert headings == [
        "Chargeback per team",
        "Rated spend per team",
        "Spend per model",
        "Bill bridge",
        "Reconciliation gaps",
        "Attribution rule coverage",
        "Logging coverage",
    ]


def _boxes(d, css: str) -> list[dict[str, float]]:
    return d.execute_script(
        "return Array.from(document.querySelectorAll(arguments[0])).map(e => {"
        "const r = e.getBoundingClientRect(); return {w: r.width, h: r.height}; });",
        css,
    )


def test_charts_are_drawn(driver, tmp_path):
    d = _open(driver, tmp_path, render_html(rf.data()))
    segs = _boxes(d, "#team-chart rect.seg")
    assert len(segs) == 5  # five positive priced team-days in the fixture
    assert all(b["w"] > 0 and b["h"] > 0 for b in segs), segs
    steps = _boxes(d, "svg.waterfall rect.step")
    assert len(steps) == 5  # rated total, three causes, invoiced total
    assert all(b["w"] > 0 and b["h"] > 0 for b in steps), steps
    legend = d.find_elements(By.CSS_SELECTOR, "#team-legend li")
    assert len(legend) == 3
    chart = _boxes(d, "#team-chart")[0]
    assert chart["w"] > 300
    assert chart["h"] > 100


@pytest.mark.parametrize("variant", ["as_shipped", "without_csp"])
def test_hostile_strings_are_text_and_never_execute(driver, tmp_path, variant):
    doc = render_html(rf.data())
    d = _open(driver, tmp_path, doc if variant == "as_shipped" else _no_csp(doc))
    team = d.find_element(By.CSS_SELECTOR, "table.team-table").text
    assert rf.SCRIPT in team
    assert rf.FORMULA in team
    assert rf.IMG in d.find_element(By.CSS_SELECTOR, "table.model-table").text
    gaps = d.find_element(By.CSS_SELECTOR, "table.gap-table").text
    assert rf.IMG in gaps
    assert rf.FORMULA in gaps
    assert rf.SCRIPT in d.find_element(By.CSS_SELECTOR, "table.bridge-table").text
    assert d.find_elements(By.TAG_NAME, "script") == []
    assert d.find_elements(By.TAG_NAME, "img") == []
    assert d.execute_script("return typeof window.__pwned") == "undefined"
    with pytest.raises(NoAlertPresentException):
        d.switch_to.alert.text  # noqa: B018
