from __future__ import annotations

from pathlib import Path

import pytest

HEADER = "model,region,routing,tier,mode,charge,unit,price_usd,effective_from,effective_to,source\n"


@pytest.fixture
def write_csv(tmp_path: Path):
    """Write a price CSV (HEADER prepended unless the text starts with its own header)."""

    def _write(name: str, body: str, *, header: bool = True) -> Path:
        path = tmp_path / name
        path.write_text((HEADER if header else "") + body, encoding="utf-8")
        return path

    return _write
