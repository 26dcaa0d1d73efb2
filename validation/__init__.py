"""Paper reproductions (installed as ``refimpl.validation``); run them with ``refimpl validate``.

Each family has a subpackage whose ``__init__`` imports its claim modules (the family's manifest).
A claim is a function decorated with :func:`claim`; see :mod:`refimpl.validation._claims`.
"""

from ._claims import Claim, ClaimContext, ClaimSkipped, Outcome, claim, discover, pyplot, registered_claims
from ._claims import Target, plural
from ._report import compare_reports, provenance, write_report
from ._runner import ClaimRecord, format_table, run_claims

__all__ = [
    "Claim",
    "ClaimContext",
    "ClaimRecord",
    "ClaimSkipped",
    "Outcome",
    "Target",
    "claim",
    "compare_reports",
    "discover",
    "format_table",
    "plural",
    "provenance",
    "pyplot",
    "registered_claims",
    "run_claims",
    "write_report",
]
