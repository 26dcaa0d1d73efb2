"""S-X1, S-X2: the cross-check kit against DPPy's projection-DPP sampler and wrong sampling variants.

S-X1  DPPy ``FiniteDPP('correlation', projection=True, K_eig_dec=(1, V)).sample_exact('GS')`` passes
      the statistical ``sampling.projection_dpp_sample`` case (inclusion frequencies = diag(K) within
      4.5 standard errors) — its own random stream, so the golden draw-for-draw cases are not
      applicable.
S-X2  Wrong variants the kit must catch: inclusion probabilities clipped at 1 without redistributing
      the excess (Σ p < k), and Bernoulli sampling in place of pivotal sampling (right marginals,
      random sample size: the fixed-size statistical case fails).
"""

from __future__ import annotations

import importlib.util

import numpy as np

from refimpl.crosscheck import NotApplicable, crosscheck

from .._claims import ClaimContext, ClaimSkipped, Outcome, Target, claim
from ..conformal.crosscheck import summarize


def dppy_projection_sample(V, *, rng=None):
    """A projection-DPP sample by DPPy (Gram-Schmidt chain rule); rng is the per-run seed."""
    from dppy.finite_dpps import FiniteDPP

    if not isinstance(rng, (int, np.integer)):
        raise NotApplicable("DPPy draws from its own RandomState: golden draw-for-draw cases do not apply")
    V = np.asarray(V, dtype=float)
    dpp = FiniteDPP("correlation", projection=True, K_eig_dec=(np.ones(V.shape[1]), V))
    return np.sort(np.asarray(dpp.sample_exact(mode="GS", random_state=np.random.RandomState(int(rng)))))


def inclusion_clip_only(scores, k):
    """WRONG: p = min(1, k s / Σ s) without redistributing the clipped mass (Σ p < k when a unit is capped)."""
    s = np.asarray(scores, dtype=float)
    return np.minimum(1.0, k * s / s.sum())


def bernoulli_instead_of_pivotal(p, *, coords=None, tree=None, rng=None, split="pca", first_rotation=45.0):
    """WRONG: independent Bernoulli draws (correct marginals, but the sample size is random)."""
    g = np.random.default_rng(rng)
    p = np.asarray(p, dtype=float)
    return np.flatnonzero(g.random(p.shape) < p)


@claim(
    id="S-X1",
    family="sampling",
    title="crosscheck: DPPy's projection-DPP sampler passes the statistical projection_dpp_sample case",
    reference="DPPy FiniteDPP(projection=True).sample_exact('GS'); marginals diag(K), 4.5 s.e.",
    target=Target.equal(0, label="failing cases"),
    source="peer",
    seconds=(3.0, 3.0),
)
def sx1_dppy(ctx: ClaimContext) -> Outcome:
    if importlib.util.find_spec("dppy") is None:
        raise ClaimSkipped("DPPy not installed: pip install dppy")
    rep = crosscheck(dppy_projection_sample, "sampling.projection_dpp_sample", cases="statistical")
    bad = rep.n_cases - rep.n_passed - rep.n_skipped
    return Outcome(measured=bad, text=summarize(rep),
                   detail=f"max |frequency - K_ii| {rep.max_error.get('statistic', float('nan')):.3g}")


@claim(
    id="S-X2",
    family="sampling",
    title="crosscheck catches uncapped inclusion probabilities and Bernoulli-for-pivotal sampling",
    reference="Shimizu et al. (capped inclusion probabilities, fixed-size pivotal sampling, Alg. 1)",
    target=Target.equal(0, label="wrong variants not caught"),
    source="design",
    seconds=(2.0, 3.0),
)
def sx2_wrong(ctx: ClaimContext) -> Outcome:
    reps = {"clip without redistribution": crosscheck(inclusion_clip_only, "sampling.inclusion_probabilities",
                                                      max_examples=100),
            "Bernoulli for pivotal": crosscheck(bernoulli_instead_of_pivotal, "sampling.pivotal_sample",
                                                cases="statistical")}
    return Outcome(measured=sum(r.passed for r in reps.values()),
                   text="; ".join(f"{k}: {summarize(r)}" for k, r in reps.items()))
