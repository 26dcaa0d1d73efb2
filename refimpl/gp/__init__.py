"""Kronecker-structured Gaussian-process solvers.

* :mod:`refimpl.gp.kron` — Kronecker algebra: ``kron_mvm``, ``kron_eigh``, ``kron_solve``,
  ``kron_logdet``, ``grid_lml``, ``kron_diag``, ``kron_sample``, ``add_jitter``.
* :mod:`refimpl.gp.kernels` — 1-D stationary kernels with closed-form derivatives.
* :mod:`refimpl.gp.noisy` — Kronecker-diagonal noise (exact), heteroscedastic noise and missing
  cells (preconditioned CG, SLQ log-det, GPatt approximation).
* :mod:`refimpl.gp.gphm` — GP-HM high-frequency PDE solver (Fang et al. 2024): objective and training driver.
* :mod:`refimpl.gp.fixed_kernel` — GP-HM's fixed-kernel ceiling (a linear solve).
* :mod:`refimpl.gp.problems` — the GP-HM test problems (authors' configurations) and the aliasing check.
* :mod:`refimpl.gp.regression` — exact grid GP regression (LML, gradients, prediction, fitting).

Conventions: C-order vectorisation, factor K_1 acts on axis 0 of the grid tensor. Private helpers
shared by these modules live in ``refimpl.gp._checks`` (input checks, the PSD rule) and
``refimpl.gp._gphm_objective``; the PCG and Lanczos recurrences in ``refimpl._krylov``.
"""
from refimpl.gp.fixed_kernel import FixedKernelResult, FixedKernelStatus, fixed_kernel_solve
from refimpl.gp.gphm import GPHMResult, GPHMStatus, gphm_init_kernels, gphm_objective, gphm_predict, gphm_solve
from refimpl.gp.kernels import Kernel1D, Matern, MaternCosine, SpectralMixture, SquaredExponential, kernel_matrix
from refimpl.gp.kron import (KronEig, add_jitter, grid_lml, kron_diag, kron_eigh, kron_logdet, kron_mvm,
                             kron_sample, kron_solve)
from refimpl.gp.noisy import (CGStatus, GridCGLMLResult, KronCGResult, SLQResult, SLQStatus, gpatt_logdet, grid_lml_cg,
                              grid_lml_kdiag, kron_cg_solve, kron_logdet_kdiag, kron_slq_logdet, kron_solve_kdiag)
from refimpl.gp.problems import GPHM_PROBLEMS, AliasingWarning, PDEProblem, gphm_problem
from refimpl.gp.regression import (GridGPFit, GridGPStatus, fit_grid_gp, grid_factors, grid_gp_predict,
                                   grid_lml_grad)

__all__ = [
    "GPHM_PROBLEMS", "AliasingWarning", "FixedKernelResult", "FixedKernelStatus", "GPHMResult", "GPHMStatus", "PDEProblem",
    "fixed_kernel_solve", "gphm_init_kernels", "gphm_objective", "gphm_predict", "gphm_problem", "gphm_solve",
    "CGStatus", "GridCGLMLResult", "KronCGResult", "SLQResult", "SLQStatus", "gpatt_logdet", "grid_lml_cg", "grid_lml_kdiag",
    "kron_cg_solve", "kron_logdet_kdiag", "kron_slq_logdet", "kron_solve_kdiag",
    "GridGPFit", "GridGPStatus", "KronEig", "Kernel1D", "Matern", "MaternCosine", "SpectralMixture",
    "SquaredExponential", "add_jitter", "fit_grid_gp", "grid_factors", "grid_gp_predict", "grid_lml",
    "grid_lml_grad", "kernel_matrix", "kron_diag", "kron_eigh", "kron_logdet", "kron_mvm", "kron_sample",
    "kron_solve",
]
