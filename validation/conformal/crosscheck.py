"""C-X1..C-X3: the cross-check kit run against implementations that are not refimpl.

C-X1  MAPIE's CRC (``get_r_hat_plus(method="crc")`` + ``find_best_predict_param``) passes the
      ``conformal.crc_lambda_hat`` golden and Hypothesis cases it applies to (unweighted, B = 1,
      A = 0; cases where a bound equals alpha exactly are not applicable: MAPIE accepts bound < alpha).
C-X2  crepes' ``ConformalRegressor`` on ``conformal.conformal_quantile``: the kit finds exactly the
      documented one-order-statistic shift where (n+1)(1-alpha) is an integer (crepes truncates a
      floating-point product), and nowhere else.
C-X3  Deliberately wrong variants the kit must catch, with Hypothesis' minimal counterexample: CRC
      without the test point's "+1", and the split-CP quantile with rank ceil(n(1-alpha)) (off by one).
"""

from __future__ import annotations

import importlib.util
import math

import numpy as np

from refimpl.crosscheck import NotApplicable, crosscheck

from .._claims import ClaimContext, ClaimSkipped, Outcome, Target, claim


def _require(*names: str) -> None:
    for name in names:
        if importlib.util.find_spec(name) is None:
            raise ClaimSkipped(f"{name} not installed: pip install 'refimpl[peers]'")


# ---------------------------------------------------------------- candidates (not refimpl)
def mapie_crc(losses, lambdas, alpha, *, B=1.0, weights=None, A=0.0, monotonize=False):
    """λ̂ by MAPIE's risk-control helpers on a loss table (refimpl's grid, sets growing with λ)."""
    import warnings

    from mapie.risk_control.methods import find_best_predict_param, get_r_hat_plus

    if weights is not None or B != 1.0 or A != 0.0 or monotonize:
        raise NotApplicable("MAPIE's CRC is unweighted with losses in [0, 1]")
    L = np.asarray(losses, dtype=float)
    lam = np.asarray(lambdas, dtype=float)
    _, r_plus = get_r_hat_plus(L, lam, method="crc", bound=None, delta=None, sigma_init=None)
    if np.any(r_plus == alpha):
        raise NotApplicable("a bound equals alpha exactly (MAPIE requires bound < alpha, refimpl <= alpha)")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return float(np.ravel(find_best_predict_param(lam, r_plus, np.array([alpha])))[0])


def crepes_quantile(scores, alpha, weights=None):
    """q̂ from crepes' ConformalRegressor (half-width of the interval around y_hat = 0)."""
    import warnings

    from crepes import ConformalRegressor

    if weights is not None:
        raise NotApplicable("crepes' ConformalRegressor is unweighted")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        cr = ConformalRegressor().fit(residuals=np.asarray(scores, dtype=float))
        return float(cr.predict_int(y_hat=np.zeros(1), confidence=1.0 - alpha)[0, 1])


def crc_without_plus_one(losses, lambdas, alpha, *, B=1.0, weights=None, A=0.0, monotonize=False):
    """WRONG: the weights normalised to sum to one (no test-point mass): R̂_w(λ) <= α."""
    L = np.asarray(losses, dtype=float)
    if monotonize:
        L = np.maximum.accumulate(L[:, ::-1], axis=1)[:, ::-1]
    w = np.ones(len(L)) if weights is None else np.asarray(weights, dtype=float)
    risk = w @ L / w.sum()
    ok = np.flatnonzero(risk <= alpha)
    return float(lambdas[ok[0]]) if ok.size else float(lambdas[-1])


def quantile_off_by_one(scores, alpha, weights=None):
    """WRONG: the ⌈n(1-α)⌉-th smallest score (forgets the test point in the rank)."""
    if weights is not None:
        raise NotApplicable("unweighted variant")
    s = np.sort(np.asarray(scores, dtype=float))
    k = math.ceil(len(s) * (1 - alpha))
    return float(s[k - 1]) if 1 <= k <= len(s) else (math.inf if k > len(s) else float(s[0]))


def summarize(report) -> str:
    """One line: cases passed, and the minimal counterexample (or the first failing case)."""
    if report.passed:
        return f"{report.n_passed}/{report.n_cases} passed ({report.n_skipped} n/a)"
    if report.minimal_counterexample is not None:
        return f"caught; minimal counterexample {report.minimal_counterexample} ({report.minimal_message})"
    f = report.first_failure
    return f"caught at {f.case}: {f.message}"


@claim(
    id="C-X1",
    family="conformal",
    title="crosscheck: MAPIE's CRC passes every applicable crc_lambda_hat case (golden and Hypothesis)",
    reference="MAPIE 1.x mapie.risk_control.methods get_r_hat_plus(method='crc'), find_best_predict_param",
    target=Target.equal(0, label="failing cases"),
    source="peer",
    seconds=(3.0, 6.0),
)
def x1_mapie(ctx: ClaimContext) -> Outcome:
    _require("mapie", "sklearn")
    rep = crosscheck(mapie_crc, "conformal.crc_lambda_hat", max_examples=60 if ctx.quick else 300)
    bad = rep.n_cases - rep.n_passed - rep.n_skipped + (rep.minimal_counterexample is not None)
    return Outcome(measured=bad, text=summarize(rep),
                   detail=f"{rep.hypothesis_examples} Hypothesis examples; cases not applicable: {rep.n_skipped}")


@claim(
    id="C-X2",
    family="conformal",
    title="crosscheck: crepes' split-CP quantile differs exactly on the integer-(n+1)(1-alpha) cases",
    reference="crepes 0.9 ConformalRegressor.predict_int; its floating-point order-statistic shift",
    target=Target.equal(0, label="failing cases not tagged pitfall:crepes-shift"),
    source="peer",
    seconds=(1.0, 2.0),
)
def x2_crepes(ctx: ClaimContext) -> Outcome:
    _require("crepes")
    from refimpl.crosscheck import get_reference

    rep = crosscheck(crepes_quantile, "conformal.conformal_quantile", cases="golden")
    tags = {c.name: c.tags for c in get_reference("conformal.conformal_quantile").cases()}
    failing = [o.case for o in rep.outcomes if not o.passed]
    other = [c for c in failing if "pitfall:crepes-shift" not in tags.get(c, ())]
    return Outcome(measured=len(other), text=f"failing: {failing or 'none'}; untagged: {other or 'none'}",
                   detail=summarize(rep))


@claim(
    id="C-X3",
    family="conformal",
    title="crosscheck catches the dropped '+1' in CRC and the off-by-one split-CP rank",
    reference="Angelopoulos et al. 2024 eq. (4) (the +1); Vovk et al. / Lei et al. rank ceil((n+1)(1-alpha))",
    target=Target.equal(0, label="wrong variants not caught"),
    source="design",
    seconds=(2.0, 4.0),
)
def x3_wrong_variants(ctx: ClaimContext) -> Outcome:
    reps = {"dropped +1": crosscheck(crc_without_plus_one, "conformal.crc_lambda_hat", max_examples=100),
            "off-by-one rank": crosscheck(quantile_off_by_one, "conformal.conformal_quantile", max_examples=100)}
    missed = sum(r.passed for r in reps.values())
    return Outcome(measured=missed, text="; ".join(f"{k}: {summarize(r)}" for k, r in reps.items()))
