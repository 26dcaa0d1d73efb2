"""Nutini, Laradji & Schmidt (JMLR 2022) claims: greedy rules beat non-greedy rules, variable blocks beat
fixed blocks, GSQ/GSD with matrix updates, and the reduced Fig. 4.

Scaled down for a 2-core CPU: dataset A with m = 150, p = 1500 rows/columns and 300 iterations in quick
mode, m = 300, p = 3000 and 500 iterations in full mode; |b| = 5, gradient updates, Sort partition, x0 = 0.
The targets restate the paper's qualitative orderings (Fig. 4/5 of the authors' rendered figures) as
thresholds; item 1 uses GSL (not every greedy rule) because GS with fixed blocks is only marginally
better than cyclic on this data (as in our prototype: GS-FB 6.4e2 vs cyclic-FB 9.3e2).
"""

from __future__ import annotations

import numpy as np

from refimpl.bcd import dataset_a, dataset_c, dataset_e, minimize

from .._claims import ClaimContext, Outcome, Target, claim, pyplot

NON_GREEDY = ("cyclic", "random", "lipschitz")


def _size(ctx: ClaimContext) -> tuple[int, int, int]:
    return (150, 1500, 300) if ctx.quick else (300, 3000, 500)


@claim(
    id="G-1",
    family="bcd",
    title="gradient updates on dataset A: GSL ≥ 10× below every non-greedy rule, GS below them, GSL ≤ GS, GS-VB ≤ GS-FB",
    reference="Nutini, Laradji & Schmidt 2022, §3 and Fig. 4 (authors' code numbering; dataset A, |b| = 5)",
    target={
        "max GSL / min non-greedy": Target.at_most(0.1),
        "max GS / min non-greedy": Target.at_most(1.0),
        "GSL-FB / GS-FB": Target.at_most(1.0),
        "GSL-VB / GS-VB": Target.at_most(1.0),
        "GS-VB / GS-FB": Target.at_most(1.0),
    },
    source="paper",
    seconds=(5.0, 25.0),
)
def g1_greedy_orderings(ctx: ClaimContext) -> Outcome:
    m, p, it = _size(ctx)
    prob = dataset_a(m, p, rng=1)
    f = {}
    runs = [(r, bl) for bl in ("fixed", "variable") for r in ("cyclic", "random", "lipschitz", "gs", "gsl", "gsd")]
    for i, (rule, blocks) in enumerate(runs):
        f[f"{rule}-{blocks[0]}b"] = minimize(prob, rule=rule, blocks=blocks, block_size=5, max_iter=it, rng=1).fun
        ctx.progress(i + 1, len(runs), "runs")
    low = min(f[f"{r}-{b}b"] for r in NON_GREEDY for b in "fv")
    measured = {
        "max GSL / min non-greedy": max(f["gsl-fb"], f["gsl-vb"]) / low,
        "max GS / min non-greedy": max(f["gs-fb"], f["gs-vb"]) / low,
        "GSL-FB / GS-FB": f["gsl-fb"] / f["gs-fb"],
        "GSL-VB / GS-VB": f["gsl-vb"] / f["gs-vb"],
        "GS-VB / GS-FB": f["gs-vb"] / f["gs-fb"],
    }
    text = ", ".join(f"{k} {v:.2g}" for k, v in f.items())
    return Outcome(measured=measured, detail=f"dataset A m={m}, p={p}, {it} iterations, f0 = {prob.value(prob.x0):.3g}, "
                                             f"f* = 0; f at the end: {text}")


@claim(
    id="G-2",
    family="bcd",
    title="matrix updates on dataset A: GSQ-VB (IHT) ≈ GSD-VB, both ≪ GS-FB",
    reference="Nutini, Laradji & Schmidt 2022, §3.3–3.4 and Fig. 5 (GSQ-VB ≈ GSD-VB best)",
    target={"GSQ-VB / GSD-VB": Target.at_most(1.5), "GSD-VB / GS-FB": Target.at_most(0.1),
            "GSQ-VB / GS-FB": Target.at_most(0.1)},
    source="paper",
    seconds=(3.0, 12.0),
)
def g2_matrix_updates(ctx: ClaimContext) -> Outcome:
    m, p, it = _size(ctx)
    prob = dataset_a(m, p, rng=1)
    floor = 1e-12 * prob.value(prob.x0)  # f* = 0: values below round-off of f0 count as converged
    f = {}
    for i, (rule, blocks) in enumerate((("gs", "fixed"), ("gsd", "variable"), ("gsq", "variable"))):
        f[f"{rule}-{blocks[0]}b"] = max(minimize(prob, rule=rule, blocks=blocks, block_size=5, update="matrix",
                                                 max_iter=it, rng=1).fun, floor)
        ctx.progress(i + 1, 3, "runs")
    measured = {"GSQ-VB / GSD-VB": f["gsq-vb"] / f["gsd-vb"], "GSD-VB / GS-FB": f["gsd-vb"] / f["gs-fb"],
                "GSQ-VB / GS-FB": f["gsq-vb"] / f["gs-fb"]}
    return Outcome(measured=measured, detail=f"dataset A m={m}, p={p}, {it} iterations, matrix updates; f (floored at "
                                             f"1e-12 f0 = {floor:.2g}): " + ", ".join(f"{k} {v:.3g}" for k, v in f.items()))


@claim(
    id="G-3",
    family="bcd",
    title="reduced Fig. 4 (A, C, E; gradient updates): the best greedy rule ends below every non-greedy rule (10× on A)",
    reference=("Nutini, Laradji & Schmidt 2022, Fig. 4: greedy ≫ random/cyclic/Lipschitz on A (least squares), "
               "C (softmax) and E (label propagation); GSL-VB best or tied"),
    target={"A": Target.at_most(0.1, label="best greedy / best non-greedy"),
            "C": Target.at_most(1.0, label="best greedy / best non-greedy (f − f̂*)"),
            "E": Target.at_most(1.0, label="best greedy / best non-greedy (f − f*)")},
    source="paper",
    seconds=(6.0, 30.0),
)
def g3_figure4(ctx: ClaimContext) -> Outcome:
    q = ctx.quick
    it = 200 if q else 500
    probs = {
        "A": dataset_a(100, 1000, rng=1) if q else dataset_a(300, 3000, rng=1),
        "C": dataset_c(100, 40, 10, rng=1) if q else dataset_c(300, 100, 20, rng=1),
        "E": dataset_e(400, 20, rng=1) if q else dataset_e(1000, 50, rng=1),
    }
    rules = [(r, b) for b in ("fixed", "variable") for r in ("cyclic", "random", "lipschitz", "gs", "gsl")]
    hist: dict[str, dict[str, np.ndarray]] = {}
    measured, notes = {}, []
    total, done = len(probs) * len(rules), 0
    for name, prob in probs.items():
        hist[name] = {}
        for rule, blocks in rules:
            res = minimize(prob, rule=rule, blocks=blocks, block_size=5, max_iter=it, rng=1)
            hist[name][f"{rule.upper()}-{'FB' if blocks == 'fixed' else 'VB'}"] = res.f_history
            done += 1
            ctx.progress(done, total, "runs")
        if name == "E":
            fstar = prob.value(prob.minimizer())
        elif name == "A":
            fstar = 0.0
        else:  # softmax: no closed form; the best value any run reached, minus a margin of 1e-9 |f|
            fstar = min(h[-1] for h in hist[name].values()) - 1e-9 * abs(min(h[-1] for h in hist[name].values()))
        gap = {k: max(h[-1] - fstar, 1e-12 * abs(h[0])) for k, h in hist[name].items()}
        greedy = min(v for k, v in gap.items() if k.startswith("GS"))
        other = min(v for k, v in gap.items() if not k.startswith("GS"))
        measured[name] = greedy / other
        notes.append(f"{name}: best greedy {min((k for k in gap if k.startswith('GS')), key=gap.get)}, "
                     f"best non-greedy {min((k for k in gap if not k.startswith('GS')), key=gap.get)}")
    path = ctx.figure_path("fig4.png")
    if path is not None:
        plt = pyplot()
        fig, axes = plt.subplots(1, 3, figsize=(12, 3.6))
        for ax, (name, runs) in zip(axes, hist.items()):
            fs = 0.0 if name == "A" else (probs["E"].value(probs["E"].minimizer()) if name == "E"
                                          else min(h[-1] for h in runs.values()) * (1 - 1e-9))
            for label, h in runs.items():
                ax.semilogy(np.maximum(h - fs, 1e-16), label=label, ls="-" if label.startswith("GS") else "--")
            ax.set_title(f"dataset {name}"), ax.set_xlabel("iteration"), ax.set_ylabel("f - f*")
        axes[0].legend(fontsize=6)
        fig.suptitle("paper's ordering: GSL-VB ≤ GS-VB, GSL-FB ≤ GS-FB ≪ Lipschitz, random, cyclic", fontsize=9)
        fig.tight_layout()
        fig.savefig(path, dpi=100)
        plt.close(fig)
    return Outcome(measured=measured, detail=f"{it} iterations, |b| = 5, Sort partition; " + "; ".join(notes)
                   + "; on E the greedy rules lead by a small factor only at this reduced size (the paper's "
                     "Fig. 4 shows a wide margin at 1900 unknowns)")
