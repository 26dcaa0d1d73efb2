"""Fuzz specs for ``refimpl.backends`` and ``refimpl.backends.linalg``."""
import numpy as np

from _harness import A, Spec
from refimpl import backends as b
from refimpl.backends import linalg as la

#: canonical (post-rename) name -> today's names; none here.
ALIASES: dict = {}

b.available_backends()  # import every installed library now, not under a per-call alarm

_SPD = np.array([[4.0, 1.0, 0.5], [1.0, 3.0, 0.2], [0.5, 0.2, 2.0]])
_L = np.linalg.cholesky(_SPD)
_B = np.array([[1.0, 0.0], [0.5, 1.0], [0.0, 2.0]])


#: Any dotted name is a valid kernel name.
_NAME_OK = {"name=bogus": "any dotted name is a valid kernel name"}

#: Kronecker products act on any square factors: SPD-only corruptions are valid there.
_GENERAL = {"factors=0.indefinite": "any square factor", "factors=0.nonsym": "any square factor",
            "factors=0.singular": "any square factor"}


#: SciPy's helpers and these ones work on complex matrices (conjugate transposes, bilinear products).
_COMPLEX = "complex matrices are supported (as in SciPy)"

#: to_library converts any numeric array, values unchanged.
_CONVERT = {f"x={lab}": "to_library converts any numeric array unchanged (values, shape, dtype kind)"
            for lab in ("nan", "inf", "-inf", "empty", "ndim+1", "ndim-1", "complex")}


def _s(fn, accept=None, call=None, nonfinite_ok=None, **args):
    return Spec(fn, args, accept=accept or {}, nonfinite_ok=nonfinite_ok or {}, aliases=ALIASES, call=call)


def _enter(fn, **kw):
    """Enter and leave the context manager (use_backend validates on entry)."""
    with fn(**kw) as be:
        return be.name


def _decorate(fn, **kw):
    """Apply a decorator factory to a throw-away function."""
    def _f(x):
        return x

    return fn(**kw)(_f)


SPECS = {
    # ------------------------------------------------------------------ registry and conversion
    "backends.available_backends": _s(b.available_backends),
    "backends.default_backend_name": _s(b.default_backend_name),
    "backends.get_backend": _s(b.get_backend),
    "backends.capability_table": _s(b.capability_table),
    "backends.kernel_table": _s(b.kernel_table),
    "backends.load_backend": _s(b.load_backend, name=A("str", "numpy")),
    "backends.use_backend": _s(b.use_backend, call=_enter, name=A("str", "numpy")),
    "backends.get_kernel": _s(b.get_kernel, name=A("str", "eim.greedy_step"), backend=A("str", "numpy", optional=True)),
    "backends.array_library": _s(b.array_library, x=A("any", np.ones(3))),
    "backends.is_complex": _s(b.is_complex, x=A("any", np.ones(3))),
    "backends.numpy_dtype": _s(b.numpy_dtype, x=A("any", np.ones(3))),
    "backends.real_dtype_name": _s(b.real_dtype_name, x=A("any", np.ones(3))),
    "backends.to_numpy": _s(b.to_numpy, x=A("any", np.ones(3))),
    "backends.to_library": _s(b.to_library, accept=_CONVERT, nonfinite_ok=_CONVERT, x=A("vec", np.ones(3)), library=A("str", "numpy", optional=True)),
    "backends.check_rng": _s(b.check_rng, rng=A("rng", 0)),
    "backends.Boundary": _s(b.Boundary, call=lambda cls, x: cls(x).xp.__name__, x=A("any", np.ones(3))),
    # ------------------------------------------------------------------ capability and kernel declarations
    "backends.capabilities": _s(b.capabilities, call=_decorate, accept={"host_only=bogus": "any text is a reason"},
                                  host_only=A("str", "reason", optional=True)),
    "backends.capability_of": _s(b.capability_of, func=A("callable", make=lambda: b.capabilities()(lambda x: x)),
                                 backend=A("str", "numpy")),
    "backends.Capabilities": _s(b.Capabilities, host=A("any", {}), unsupported=A("any", {})),
    "backends.Kernel": _s(b.Kernel, accept={**_NAME_OK, "reference=returns_none": "the reference is not called when "
                                                       "the kernel is declared; any callable is a valid reference"},
                        name=A("str", "fuzz.kernel"), reference=A("callable", lambda x: x)),
    "backends.leaf_kernel": _s(b.leaf_kernel, accept=_NAME_OK,
                        name=A("str", "fuzz.leaf")),
    "backends.register_twin": _s(b.register_twin, accept=_NAME_OK,
                        name=A("str", "fuzz.leaf"), backend=A("str", "numpy")),
    # ------------------------------------------------------------------ linalg
    "backends.linalg.cholesky": _s(la.cholesky, A=A("spd", _SPD)),
    "backends.linalg.cho_solve": _s(la.cho_solve, accept={"L=complex": _COMPLEX, "B=complex": _COMPLEX}, L=A("mat", _L, tied=True), B=A("mat", _B, tied=True)),
    "backends.linalg.solve_triangular": _s(la.solve_triangular, accept={"A=complex": _COMPLEX, "B=complex": _COMPLEX},
                                           A=A("mat", _L, tied=True), B=A("mat", _B, tied=True),
                                           lower=A("flag", True), trans=A("flag", False), unit_diagonal=A("flag", False)),
    "backends.linalg.lstsq": _s(la.lstsq, accept={"A=complex": _COMPLEX, "B=complex": _COMPLEX,
                                                  "B=ndim+1": "B may be (m, k): k right-hand sides",
                                                  "rcond=zero": "rcond = 0 (no cut-off) is in the documented range [0, 1)"},
                                A=A("mat", _B, tied=True), B=A("vec", np.ones(3), tied=True),
                                rcond=A("pos", None, optional=True)),
    "backends.linalg.qr_pivoted": _s(la.qr_pivoted, accept={"A=complex": _COMPLEX}, A=A("mat", _B),
                                     mode=A("choice", "economic")),
    "backends.linalg.thin_qr": _s(la.thin_qr, accept={"A=complex": _COMPLEX}, A=A("mat", _B)),
    "backends.linalg.kron": _s(la.kron, accept={"A=complex": _COMPLEX, "B=complex": _COMPLEX,
                                                "A=empty": "an empty factor gives an empty product (as numpy.kron)",
                                                "B=empty": "an empty factor gives an empty product (as numpy.kron)"},
                               A=A("mat", _B), B=A("mat", _SPD)),
    "backends.linalg.kron_mvm": _s(la.kron_mvm, accept={**_GENERAL, "factors=0.complex": _COMPLEX, "X=complex": _COMPLEX,
                                                        "factors=0.empty": "a (0, n) factor is a valid rectangular factor "
                                                                           "(empty product)",
                                                        "X=ndim+1": "a trailing axis of X holds right-hand sides"}, factors=A("factors", [_SPD, _SPD[:2, :2].copy()]),
                                   X=A("mat", _B, tied=True)),
    "backends.linalg.mode_product": _s(la.mode_product, accept={
        "A=complex": _COMPLEX, "X=complex": _COMPLEX, "X=ndim+1": "X is a tensor of any number of axes",
        "A=empty": "A may be rectangular (m, n_k), m = 0 included (empty product)",
        "A=len+1": "A may be rectangular (m, n_k)"},
        X=A("mat", _B, tied=True), A=A("mat", _SPD, tied=True),
                                       axis=A("int", 0)),
}
