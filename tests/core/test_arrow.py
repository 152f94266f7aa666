"""reconciler.core.arrow: pyarrow without its pandas probe, and pandas interop intact.

Each case runs in a fresh interpreter: whether pandas is imported is a per-process fact.
"""

from __future__ import annotations

import subprocess
import sys


def _run(code: str) -> str:
    return subprocess.run(
        [sys.executable, "-c", code], check=True, capture_output=True, text=True
    ).stdout.strip()


def test_plain_pyarrow_imports_pandas_on_its_first_conversion() -> None:
    # the behaviour the module works around; if pyarrow stops doing this the module can go
    code = "import sys, pyarrow as pa; pa.array(['x'], pa.string()); print('pandas' in sys.modules)"
    assert _run(code) == "True"


def test_our_pyarrow_converts_python_values_without_importing_pandas() -> None:
    code = (
        "import sys\n"
        "from reconciler.core.arrow import pa\n"
        "a = pa.array(['x', None], pa.string())\n"
        "t = pa.table({'a': a, 'n': pa.array([1, 2], pa.int64())})\n"
        "rows = pa.Table.from_pylist([{'a': 'y'}], schema=pa.schema([('a', pa.string())]))\n"
        "print(t.num_rows, rows.num_rows, 'pandas' in sys.modules)"
    )
    assert _run(code) == "2 1 False"


def test_pandas_interop_still_works_once_pandas_is_imported() -> None:
    code = (
        "from reconciler.core.arrow import pa\n"
        "pa.array([1], pa.int64())\n"
        "import pandas as pd\n"
        "df = pd.DataFrame({'a': [1, 2], 'b': ['x', None]})\n"
        "t = pa.Table.from_pandas(df, preserve_index=False)\n"
        "back = t.to_pandas()\n"
        "s = pa.array(pd.Series([3, 4]))\n"
        "print(t.column('b').to_pylist(), back['a'].tolist(), s.to_pylist())"
    )
    assert _run(code) == "['x', None] [1, 2] [3, 4]"
