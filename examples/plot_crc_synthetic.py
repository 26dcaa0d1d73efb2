"""
Conformal risk control on synthetic multilabel data
===================================================

Conformal risk control (Angelopoulos et al., ICLR 2024) picks the threshold
:math:`\\hat\\lambda` of a set predictor :math:`C_\\lambda(x) = \\{k : f_k(x) \\ge 1-\\lambda\\}`
from calibration data so that the expected false-negative rate on a new point is at most
:math:`\\alpha`. Here the labels and scores are synthetic; we repeat the calibration/test split
many times and look at the test FNR that :func:`refimpl.conformal.crc_lambda_hat` achieves for
several :math:`\\alpha`.
"""

import matplotlib.pyplot as plt
import numpy as np

from refimpl.conformal import crc_lambda_hat, fnr_loss_table

rng = np.random.default_rng(0)
n_total, n_labels = 3000, 10
labels = rng.random((n_total, n_labels)) < 0.3
scores = np.clip(0.5 * labels + 0.6 * rng.random((n_total, n_labels)), 0, 1)
lambdas = np.linspace(0, 1, 201)
losses = fnr_loss_table(scores, labels, lambdas)  # L[i, j] = FNR of point i at lambda_j

# %%
# Repeat: calibrate on 1000 points, measure the FNR of the chosen set on the other 2000.
alphas = [0.05, 0.1, 0.2, 0.3]
test_fnr = {a: [] for a in alphas}
for trial in range(100):
    perm = rng.permutation(n_total)
    cal, test = perm[:1000], perm[1000:]
    for a in alphas:
        res = crc_lambda_hat(losses[cal], lambdas, alpha=a)
        test_fnr[a].append(losses[test, res.index].mean())

for a in alphas:
    print(f"alpha = {a:.2f}: mean test FNR = {np.mean(test_fnr[a]):.3f} (guarantee: <= {a})")

# %%
# The mean test FNR sits just below each :math:`\alpha` (the guarantee is in expectation over
# the calibration draw, so single splits scatter around it).
fig, ax = plt.subplots(figsize=(6, 3.5))
ax.boxplot([test_fnr[a] for a in alphas], positions=range(len(alphas)), widths=0.5)
ax.scatter(range(len(alphas)), alphas, color="C3", marker="_", s=600, label=r"target $\alpha$ (paper, Thm. 1)")
ax.set_xticks(range(len(alphas)), [f"{a:g}" for a in alphas])
ax.set_xlabel(r"$\alpha$")
ax.set_ylabel("test false-negative rate")
ax.set_title("CRC: test FNR over 100 calibration/test splits")
ax.legend(loc="upper left")
fig.tight_layout()
plt.show()
