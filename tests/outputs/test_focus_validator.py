"""The FOCUS export passes the FinOps Foundation's ``focus-validator``.

The validator cannot live in the project venv (its pins on pandas/pandera/multimethod conflict
with ours), so this test builds a separate venv under ``.venv-focus/<key>/`` once and reuses it.

* FOCUS 1.2 rules need focus-validator 2.x, which needs Python >= 3.12. When a python3.12 (or
  3.13) is found, the Parquet export is validated against the 1.2 rules the package ships
  (``--block-download``: no network at validation time).
* Otherwise the 1.0 rules of focus-validator 1.0.0 run (Python 3.11) on a 1.0-shaped CSV of the
  same rows (1.0 column names, 1.2-only columns dropped, absent 1.0 columns empty).

Which one ran is in the skip reason of the other. Set ``FOCUS_VALIDATOR_RULES=1.0`` to force the
fallback. Without network (the venv cannot be built), both skip with the reason.
"""

from __future__ import annotations

import csv
import glob
import io
import os
import re
import shutil
import subprocess
import sys
from datetime import date
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq
import pytest
import support.focus_fixture as fx

from reconciler.outputs.export_focus import export_focus, render_csv

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[2]
# focus-validator 2.2.1 resolves numpy 1.26, and pyarrow >= 20 needs numpy 2: pin pyarrow below.
V12 = ("fv-2.2.1", ["focus-validator==2.2.1", "pyarrow<20"])
V10 = ("fv-1.0.0", ["focus-validator==1.0.0", "multimethod<1.11"])

# Known failures that are not defects of the export:
# InvoiceId is RECOMMENDED; the allocation has no invoice id to give. The 1.2.0.1 model then also
# fails InvoiceId-C-004-C ("MUST be null") and -C-005-C ("MUST NOT be null"): both carry no
# condition, so any dataset fails one of them.
ALLOWED_12 = {
    "CostAndUsage-D-033-O",
    "InvoiceId-C-000-O",
    "InvoiceId-C-001-M",
    "InvoiceId-C-002-M",
    "InvoiceId-C-003-C",
    "InvoiceId-C-004-C",
    "InvoiceId-C-005-C",
}
# CSV has no types: the validator infers an all-digit BillingAccountId as a number.
ALLOWED_10 = {"BillingAccountId_IsString"}
# focus-validator 1.0.0's SkuPriceId_Nullable reads the pre-1.0 column ChargeType (KeyError).
OVERRIDES_10 = "overrides:\n  - SkuPriceId_Nullable\n"


def _python312() -> str | None:
    candidates = [shutil.which("python3.12"), shutil.which("python3.13")]
    candidates += sorted(glob.glob(os.path.expanduser("~/.pyenv/versions/3.1[23]*/bin/python3")))
    for c in candidates:
        if c and subprocess.run([c, "--version"], capture_output=True).returncode == 0:
            return c
    return None


def _venv(python: str, key: str, requirements: list[str]) -> tuple[Path, Path]:
    """(focus-validator executable, its site-packages), building the venv on first use."""
    root = ROOT / ".venv-focus" / key
    exe, stamp = root / "bin" / "focus-validator", root / ".installed"
    if not stamp.exists():
        shutil.rmtree(root, ignore_errors=True)
        steps = [
            [python, "-m", "venv", str(root)],
            [str(root / "bin" / "python"), "-m", "pip", "install", "-q", *requirements],
        ]
        for step in steps:
            r = subprocess.run(step, capture_output=True, text=True, timeout=900)
            if r.returncode != 0:
                shutil.rmtree(root, ignore_errors=True)
                tail = (r.stderr or r.stdout).strip().splitlines()[-1:] or ["?"]
                pytest.skip(f"cannot build the focus-validator venv (no network?): {tail[0]}")
        stamp.write_text(" ".join(requirements))
    where = "import focus_validator as f, os; print(os.path.dirname(os.path.dirname(f.__file__)))"
    site = subprocess.run(
        [str(root / "bin" / "python"), "-c", where], capture_output=True, text=True, check=True
    ).stdout.strip()
    return exe, Path(site)


def _validate(exe: Path, site: Path, args: list[str]) -> str:
    # The validator opens its bundled currency list by a path relative to site-packages.
    r = subprocess.run([str(exe), *args], capture_output=True, text=True, cwd=site, timeout=600)
    if "Traceback" in r.stderr:
        pytest.fail(f"focus-validator crashed:\n{r.stderr[-3000:]}")
    return r.stdout + r.stderr


def _rules() -> tuple[str, str | None]:
    forced = os.environ.get("FOCUS_VALIDATOR_RULES")
    py = None if forced == "1.0" else _python312()
    return ("1.2", py) if py else ("1.0", None)


@pytest.fixture
def allocated(con):
    fx.load(con)
    table, _ = export_focus(
        con, date(2025, 11, 1), date(2025, 11, 30), billing_account_id=fx.ACCOUNT
    )
    return table


def _failures_12(output: str) -> set[str]:
    return set(re.findall(r"^\S+ (\S+): FAIL", output, flags=re.M))


def test_focus_1_2_rules_pass(allocated, tmp_path):
    rules, py = _rules()
    if rules != "1.2":
        pytest.skip("no python3.12/3.13 for focus-validator 2.x: the FOCUS 1.0 fallback ran")
    assert py is not None
    exe, site = _venv(py, V12[0], V12[1])
    good = tmp_path / "focus.parquet"
    pq.write_table(allocated, good)
    out = _validate(
        exe, site, ["--data-file", str(good), "--validate-version", "1.2", "--block-download"]
    )
    m = re.search(r"Total: (\d+) \| Pass: (\d+) \| Fail: (\d+)", out)
    assert m, out[-2000:]
    assert int(m.group(2)) >= 100, out[-2000:]  # the rules really ran
    assert _failures_12(out) <= ALLOWED_12, sorted(_failures_12(out) - ALLOWED_12)

    # The same harness fails a broken export: an unknown ChargeCategory and currency.
    bad = allocated.set_column(
        allocated.column_names.index("ChargeCategory"),
        "ChargeCategory",
        pa.array(["Bogus"] * allocated.num_rows, pa.string()),
    )
    bad = bad.set_column(
        bad.column_names.index("BillingCurrency"),
        "BillingCurrency",
        pc.utf8_lower(bad.column("BillingCurrency")),
    )
    pq.write_table(bad, tmp_path / "bad.parquet")
    out = _validate(
        exe,
        site,
        [
            "--data-file",
            str(tmp_path / "bad.parquet"),
            "--validate-version",
            "1.2",
            "--block-download",
        ],
    )
    failed = _failures_12(out) - ALLOWED_12
    assert any(f.startswith("ChargeCategory-") for f in failed), sorted(failed)
    assert any(f.startswith("BillingCurrency-") for f in failed), sorted(failed)


_RENAME_10 = {
    "InvoiceIssuerName": "InvoiceIssuer",
    "ProviderName": "Provider",
    "PublisherName": "Publisher",
}
_ADD_10 = [
    "RegionId", "RegionName", "SubAccountId", "SubAccountName", "SkuId", "SkuPriceId", "ResourceID",
    "ResourceName", "ResourceType", "ListUnitPrice", "ContractedUnitPrice",
    "CommitmentDiscountCategory", "CommitmentDiscountId", "CommitmentDiscountName",
    "CommitmentDiscountStatus", "CommitmentDiscountType",
]  # fmt: skip
_DROP_10 = {"ServiceSubcategory"}


def _as_focus_1_0(table: pa.Table) -> str:
    rows = list(csv.DictReader(io.StringIO(render_csv(table))))
    cols = [_RENAME_10.get(c, c) for c in rows[0] if c not in _DROP_10] + _ADD_10
    buf = io.StringIO()
    w = csv.DictWriter(buf, cols, lineterminator="\n")
    w.writeheader()
    for row in rows:
        w.writerow(
            {
                **{_RENAME_10.get(k, k): v for k, v in row.items() if k not in _DROP_10},
                **dict.fromkeys(_ADD_10, ""),
            }
        )
    return buf.getvalue()


def test_focus_1_0_rules_pass_on_the_1_0_subset(allocated, tmp_path):
    rules, _ = _rules()
    if rules != "1.0":
        pytest.skip("python3.12 found: the FOCUS 1.2 rules ran instead")
    exe, site = _venv(sys.executable, V10[0], V10[1])
    data, overrides = tmp_path / "focus10.csv", tmp_path / "overrides.yaml"
    data.write_text(_as_focus_1_0(allocated))
    overrides.write_text(OVERRIDES_10)
    out = _validate(
        exe,
        site,
        ["--data-file", str(data), "--validate-version", "1.0", "--override-file", str(overrides)],
    )
    failed = set(re.findall(r"^(\S+) failed:", out, flags=re.M))
    assert failed <= ALLOWED_10, (sorted(failed - ALLOWED_10), out[-2000:])
    assert "BillingCurrency_IsCurrencyCode" not in out  # the rules really ran on the data

    # The same harness fails a broken export: a missing BilledCost and an unknown currency.
    lines = data.read_text().splitlines(keepends=True)
    lines[1] = "," + lines[1].split(",", 1)[1]
    lines[2] = lines[2].replace(",USD,", ",XYZ,", 1)
    data.write_text("".join(lines))
    out = _validate(
        exe,
        site,
        ["--data-file", str(data), "--validate-version", "1.0", "--override-file", str(overrides)],
    )
    failed = set(re.findall(r"^(\S+) failed:", out, flags=re.M))
    assert {"BilledCost_NotNull", "BillingCurrency_IsCurrencyCode"} <= failed, out[-2000:]
