"""Declared backend capabilities of every public function (modelled on SciPy's ``xp_capabilities``).

Each public function (or class) of refimpl states, with :func:`capabilities`, how it runs on each
backend:

``"native"``
    computed in the backend's own namespace (on its device), possibly with a twin leaf kernel;
``"host"``
    part of the computation runs in NumPy/SciPy on the host (the reason is declared, e.g. "SciPy
    L-BFGS-B drives the outer loop", "the octree is built on the host"); inputs and results still
    follow the boundary rule, so the result comes back in the caller's library;
``"unsupported"``
    the function cannot run on that backend and raises :class:`BackendUnsupportedError` (the
    declared reason is the message).

The default is ``"native"`` everywhere **except on the ``dask`` backend, where support is opt-in**:
a function runs on dask only if it declares it with ``dask="native"`` (lazy in, n-row results stay
lazy) or ``dask="computed: <what comes back computed>"`` (it reduces chunked input to a small
result, returned as NumPy); an optional note follows a colon (``dask="native: TSQR"``). Every
function without a dask declaration raises :class:`BackendUnsupportedError` on dask, naming the
function and the reason, so an algorithm that was never checked for chunked, lazy input cannot
silently materialise it. ``unsupported={"dask": "why"}`` gives a specific reason (a sequential
leaf kernel). On a GPU backend a ``"host"`` function warns once per
function and process with :class:`HostRoundTripWarning` (the computation is correct, but data
crosses the PCIe bus and part of it runs on the CPU); it does not raise, because a correct answer
slowly is more useful than none, and the warning says which part is on the host and why.

:func:`capability_table` collects the declarations of every public name; the docs' per-function
backend table and the test suite's backend skips are generated from it, so they cannot drift.

Examples
--------
>>> from refimpl.backends import capabilities, capability_of
>>> @capabilities(host={"cupy": "SciPy's sparse LU runs on the host"})
... def solve_sparse(A, b):
...     return b
>>> capability_of(solve_sparse, "cupy"), capability_of(solve_sparse, "torch")
('host', 'native')
"""

from __future__ import annotations

import functools
import importlib
import warnings
from collections.abc import Callable, Iterable, Mapping
from typing import Any, TypeVar

from ._registry import BACKEND_NAMES, get_backend

__all__ = [
    "BackendUnsupportedError",
    "Capabilities",
    "HostRoundTripWarning",
    "capabilities",
    "capability_of",
    "capability_table",
]

NATIVE, HOST, UNSUPPORTED, COMPUTED = "native", "host", "unsupported", "computed"
#: The backend whose support each function opts into (see the module docstring).
DASK = "dask"
#: The reason recorded for functions that declare nothing for dask.
DASK_UNDECLARED = ("not declared for the dask backend (dask support is opt-in per function: only functions checked "
                   "for chunked, lazy input run there; see the 'Running beyond one machine' page)")
_DASK_LEVELS = (NATIVE, COMPUTED)
#: Backends whose arrays are NumPy arrays: "host" there means no round trip at all.
_NUMPY_BACKENDS = ("numpy", "numba")
#: The public packages whose ``__all__`` :func:`capability_table` walks.
PUBLIC_PACKAGES: tuple[str, ...] = (
    "refimpl.conformal",
    "refimpl.gp",
    "refimpl.eim",
    "refimpl.sampling",
    "refimpl.bcd",
    "refimpl.newton",
    "refimpl.backends.linalg",
)

F = TypeVar("F", bound=Callable[..., Any])


class BackendUnsupportedError(RuntimeError):
    """A public function was called under a backend it declares ``"unsupported"`` (the message says why)."""


class HostRoundTripWarning(UserWarning):
    """A function declared ``"host"`` for the active GPU backend moved data to the host."""


class Capabilities:
    """The declaration attached to a function as ``__refimpl_capabilities__``.

    Attributes
    ----------
    levels : dict
        Backend name → ``"native"``, ``"host"`` or ``"unsupported"`` (every name in ``BACKEND_NAMES``).
    reasons : dict
        Backend name → why it is not native (only for ``"host"`` and ``"unsupported"`` entries).
    """

    def __init__(self, host: Mapping[str, str], unsupported: Mapping[str, str], dask: str | None = None) -> None:
        for table, what in ((host, "host"), (unsupported, "unsupported")):
            unknown = sorted(set(table) - set(BACKEND_NAMES))
            if unknown:
                raise ValueError(f"{what} names unknown backends {unknown}; valid names: {', '.join(BACKEND_NAMES)}")
            for name, why in table.items():
                if not isinstance(why, str) or not why.strip():
                    raise ValueError(f"the {what} reason for {name!r} must be a non-empty string; got {why!r}")
        both = sorted(set(host) & set(unsupported))
        if both:
            raise ValueError(f"backends {both} are declared both host and unsupported")
        self.levels = {b: (UNSUPPORTED if b in unsupported else HOST if b in host else NATIVE) for b in BACKEND_NAMES}
        self.reasons = {**dict(host), **dict(unsupported)}
        #: backend name -> a note on a supported entry (the dask declaration's text after the colon)
        self.notes: dict[str, str] = {}
        if dask is not None:
            if DASK in host or DASK in unsupported:
                raise ValueError("dask is declared twice: use either dask=... or a 'dask' entry in host/unsupported")
            level, note = _parse_dask(dask)
            self.levels[DASK] = level
            if note:
                self.notes[DASK] = note
        elif DASK not in host and DASK not in unsupported:
            self.levels[DASK] = UNSUPPORTED
            self.reasons[DASK] = DASK_UNDECLARED

    def __repr__(self) -> str:
        return f"Capabilities({self.levels})"


def _parse_dask(spec: Any) -> tuple[str, str]:
    """``"native"``, ``"native: note"``, ``"computed: what"`` -> (level, note)."""
    if not isinstance(spec, str) or not spec.strip():
        raise ValueError(f"dask must be 'native', 'native: <note>' or 'computed: <what is returned computed>'; got {spec!r}")
    level, _, note = spec.partition(":")
    level, note = level.strip(), note.strip()
    if level not in _DASK_LEVELS:
        raise ValueError(f"dask must start with 'native' or 'computed' (then an optional ': note'); got {spec!r}")
    if level == COMPUTED and not note:
        raise ValueError(f"dask='computed: ...' must say what comes back computed (e.g. 'computed: lambda_hat'); got {spec!r}")
    return level, note


def _as_table(spec: Mapping[str, str] | Iterable[str] | str | None, reason: str | None, what: str) -> dict[str, str]:
    if spec is None:
        return {}
    if isinstance(spec, str):
        spec = [spec]
    if isinstance(spec, Mapping):
        return dict(spec)
    names = list(spec)
    if names and (not isinstance(reason, str) or not reason.strip()):
        raise ValueError(f"a reason is required for the {what} backends {names}")
    return {name: str(reason) for name in names}


def capabilities(
    *,
    host: Mapping[str, str] | Iterable[str] | None = None,
    unsupported: Mapping[str, str] | Iterable[str] | None = None,
    host_only: str | None = None,
    reason: str | None = None,
    dask: str | None = None,
) -> Callable[[F], F]:
    """Declare how a public function runs on each backend (the default: native everywhere).

    Parameters
    ----------
    host : mapping or iterable of str, optional
        Backends on which part of the work runs in NumPy/SciPy on the host: ``{name: reason}``, or
        names with one shared ``reason``.
    unsupported : mapping or iterable of str, optional
        Backends that cannot run the function at all, in the same form.
    host_only : str, optional
        Shorthand: the function computes in NumPy/SciPy on the host (every backend other than
        numpy and numba is ``"host"``) for this reason.
    reason : str, optional
        The shared reason when ``host`` or ``unsupported`` is a list of names.
    dask : str, optional
        Opt in to the ``dask`` backend: ``"native"`` (chunked input stays lazy; n-row results are
        returned as dask arrays), ``"native: <note>"``, or ``"computed: <what>"`` (the function
        reduces its chunked input to a small result that comes back computed, as NumPy). Without
        it (and without a ``"dask"`` entry in ``host``/``unsupported``) the function raises
        :class:`BackendUnsupportedError` on dask. ``host_only`` never covers dask.

    Returns
    -------
    decorator
        Attaches a :class:`Capabilities` as ``__refimpl_capabilities__``. Functions native
        everywhere are returned unchanged; others are wrapped so that an ``"unsupported"``
        backend raises :class:`BackendUnsupportedError` and a ``"host"`` GPU backend warns once.
    """
    host_table = _as_table(host, reason, "host")
    if host_only is not None and (not isinstance(host_only, str) or not host_only.strip()):
        raise ValueError(f"host_only must be a non-empty string saying what runs on the host; got {host_only!r}")
    if host_only is not None:
        host_table.update({b: host_only for b in BACKEND_NAMES if b not in _NUMPY_BACKENDS and b != DASK})
    caps = Capabilities(host_table, _as_table(unsupported, reason, "unsupported"), dask)

    def decorate(func: F) -> F:
        if all(level in (NATIVE, COMPUTED) for level in caps.levels.values()):
            func.__refimpl_capabilities__ = caps  # type: ignore[attr-defined]
            return func
        warned: set[str] = set()
        name = f"{func.__module__}.{func.__qualname__}"

        def check() -> None:
            backend = get_backend()
            level = caps.levels[backend.name]
            if level == UNSUPPORTED:
                raise BackendUnsupportedError(
                    f"{name} cannot run on the {backend.name!r} backend: {caps.reasons[backend.name]}"
                )
            if level == HOST and backend.is_gpu and backend.name not in warned:
                warned.add(backend.name)
                warnings.warn(
                    f"{name} runs partly on the host under the {backend.name!r} backend "
                    f"({caps.reasons[backend.name]}); results are returned in the caller's library",
                    HostRoundTripWarning,
                    stacklevel=3,
                )

        if isinstance(func, type):
            original_init = func.__init__

            @functools.wraps(original_init)
            def __init__(self, *args: Any, **kwargs: Any) -> None:
                check()
                original_init(self, *args, **kwargs)

            func.__init__ = __init__  # type: ignore[misc]
            func.__refimpl_capabilities__ = caps  # type: ignore[attr-defined]
            return func

        @functools.wraps(func)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            check()
            return func(*args, **kwargs)

        wrapper.__refimpl_capabilities__ = caps  # type: ignore[attr-defined]
        return wrapper  # type: ignore[return-value]

    return decorate


def capability_of(func: Any, backend: str) -> str:
    """``"native"``, ``"host"``, ``"unsupported"`` (or, on dask, ``"computed"``): how ``func`` runs on ``backend``.

    Raises
    ------
    TypeError
        ``func`` declares no capabilities (every public refimpl function does).
    """
    caps = getattr(func, "__refimpl_capabilities__", None)
    if caps is None:
        raise TypeError(f"func must be a public refimpl function or class (decorated with @capabilities); "
                        f"{getattr(func, '__qualname__', func)!r:.60} declares no backend capabilities")
    if backend not in caps.levels:
        raise ValueError(f"backend must be one of {', '.join(BACKEND_NAMES)}; got {backend!r}")
    return caps.levels[backend]


def public_names() -> dict[str, Any]:
    """Every public callable of the algorithm packages: ``{"refimpl.<family>.<name>": object}``.

    Walks ``__all__`` of each package in :data:`PUBLIC_PACKAGES` (packages that do not exist yet
    are skipped) and keeps functions and classes, not constants or exceptions.
    """
    out: dict[str, Any] = {}
    for package in PUBLIC_PACKAGES:
        try:
            module = importlib.import_module(package)
        except ImportError:  # pragma: no cover - every package exists in a full install
            continue
        for name in getattr(module, "__all__", ()):
            obj = getattr(module, name)
            if isinstance(obj, type) and issubclass(obj, (BaseException, Warning)):
                continue
            if callable(obj) and not _is_result_or_enum(obj):
                out[f"{package}.{name}"] = obj
    return out


def _is_result_or_enum(obj: Any) -> bool:
    """Result dataclasses, status enums and named tuples are data, not computations."""
    import enum

    if not isinstance(obj, type):
        return False
    if issubclass(obj, enum.Enum) or issubclass(obj, tuple):
        return True
    return getattr(obj, "__refimpl_data__", False) or any(c.__name__ == "Result" for c in obj.__mro__)


def capability_table() -> dict[str, dict[str, str]]:
    """``{public qualified name: {backend name: "native" | "host" | "unsupported"}}``.

    Public names without a declaration are listed with every backend ``"undeclared"`` (the test
    suite fails on them).
    """
    table = {}
    for qualname, obj in sorted(public_names().items()):
        caps = getattr(obj, "__refimpl_capabilities__", None)
        table[qualname] = dict(caps.levels) if caps is not None else {b: "undeclared" for b in BACKEND_NAMES}
    return table


def capability_reasons() -> dict[str, dict[str, str]]:
    """``{public qualified name: {backend name: reason}}`` for the non-native entries."""
    out = {}
    for qualname, obj in sorted(public_names().items()):
        caps = getattr(obj, "__refimpl_capabilities__", None)
        if caps is not None and caps.reasons:
            out[qualname] = dict(caps.reasons)
    return out


def capability_notes() -> dict[str, dict[str, str]]:
    """``{public qualified name: {backend name: note}}`` for supported entries with a note (dask)."""
    out = {}
    for qualname, obj in sorted(public_names().items()):
        caps = getattr(obj, "__refimpl_capabilities__", None)
        if caps is not None and getattr(caps, "notes", None):
            out[qualname] = dict(caps.notes)
    return out
