"""pyarrow, without the pandas import it would otherwise make on its first conversion.

The first time pyarrow converts Python values (``pa.array(list)``, ``pa.table(dict)``), it asks
whether pandas is installed by importing it: 0.3 s and about 55 MiB in every process that builds
an Arrow table from Python values, i.e. every writing command and each ingest worker, none of
which uses pandas (it is installed for the Spark extra). Importing ``pa`` from here answers that
first question "no" without importing pandas. pyarrow asks again, and finds pandas, whenever it
really needs it (``to_pandas``, ``from_pandas``, a pandas object passed in), so Spark and any
caller's pandas interop keep working in the same process (tests/core/test_arrow.py).
"""

from __future__ import annotations

import sys
from collections.abc import Sequence
from importlib.machinery import ModuleSpec
from types import ModuleType

import pyarrow as pa

__all__ = ["pa"]


class _NoPandas:
    """A meta-path finder that makes ``import pandas`` fail, installed for one call only."""

    def find_spec(
        self, name: str, path: Sequence[str] | None = None, target: ModuleType | None = None
    ) -> ModuleSpec | None:
        if name == "pandas" or name.startswith("pandas."):
            raise ModuleNotFoundError("not imported for pyarrow's probe", name=name)
        return None


def _prime() -> None:
    if "pandas" in sys.modules:  # already paid for: nothing to save
        return
    blocker = _NoPandas()
    sys.meta_path.insert(0, blocker)
    try:
        pa.array([], pa.int8())  # pyarrow probes for pandas once and remembers the answer
    finally:
        sys.meta_path.remove(blocker)


_prime()
