"""Cross-check kit: registered cases for every public algorithm, golden vectors, and ``crosscheck``.

See the "Cross-check cases" section of the architecture docs for the convention and
:doc:`/crosscheck` for the user guide. The user-facing entry points are
:func:`refimpl.testing.crosscheck`, :func:`refimpl.testing.assert_crosscheck` and the
``refimpl crosscheck`` / ``refimpl vectors`` commands.
"""

from ._core import (
    ALGORITHM_FAMILIES, Call, Case, Fixture, RecordingGenerator, Reference, Tolerance, UnknownReferenceError,
    cases_for, compare_outputs, fixture, flatten_result, get_reference, load_case_modules, materialize,
    public_algorithms, reference_names, statistic,
)
from ._run import CaseOutcome, CrosscheckReport, NotApplicable, assert_crosscheck, crosscheck
from ._vectors import decode, encode, export_vectors, verify_vectors

__all__ = [
    "ALGORITHM_FAMILIES", "Call", "Case", "CaseOutcome", "CrosscheckReport", "Fixture", "NotApplicable", "RecordingGenerator",
    "Reference", "Tolerance", "UnknownReferenceError", "assert_crosscheck", "cases_for", "compare_outputs",
    "crosscheck", "decode", "encode", "export_vectors", "fixture", "flatten_result", "get_reference",
    "load_case_modules", "materialize", "public_algorithms", "reference_names", "statistic", "verify_vectors",
]
