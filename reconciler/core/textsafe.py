"""Making untrusted strings safe to show: every string in a Bedrock log is attacker-controlled.

Team names come from request metadata, model ids and ARNs from callers; a report must not let
them run. One definition here for every text renderer (report formats, FOCUS CSV export): CSV
cells that a spreadsheet would evaluate as a formula get a leading ``'``, and control/format
characters (terminal escapes, bidi overrides, zero-width) are dropped. HTML escaping is
``html.escape(..., quote=True)`` at each use, in ``reconciler.outputs.html_report``.
"""

from __future__ import annotations

import unicodedata

__all__ = ["FORMULA_START", "csv_safe", "strip_controls"]

FORMULA_START = ("=", "+", "-", "@", "\t", "\r", "＝", "＋", "－", "＠")
"""Leading characters that make Excel, LibreOffice or Google Sheets evaluate a cell
(full-width variants included: some spreadsheets normalise them)."""


def strip_controls(text: str) -> str:
    """Drop control (Cc) and format (Cf: bidi overrides, zero-width) characters."""
    return "".join(ch for ch in text if unicodedata.category(ch) not in ("Cc", "Cf"))


def csv_safe(text: str) -> str:
    """A spreadsheet must not run a team name as a formula (=HYPERLINK(...) and friends), and a
    terminal showing the file must not run escape sequences: controls go, formulas get a '."""
    text = strip_controls(text)
    return "'" + text if text.lstrip().startswith(FORMULA_START) else text
