"""The spring QoI of claim G-2 (closed form) against a tight ODE solve."""

import numpy as np
import pytest


def test_spring_qoi_matches_solve_ivp():
    from scipy.integrate import solve_ivp

    from refimpl.validation.sampling.claims_more import spring_qoi

    s = np.array([[-1.0, -1.0], [0.3, -0.2], [-0.5, 1.0]])
    q = spring_qoi(s)
    t = np.linspace(0.0, 20.0, 200001)
    for (s1, s2), qi in zip(s, q):
        k, w = 2.0 + s1, 1.0 + s2
        sol = solve_ivp(lambda tt, y: [y[1], 0.5 * np.cos(w * tt) - 0.5 * y[1] - k * y[0]], (0.0, 20.0), [0.5, 0.0],
                        rtol=1e-11, atol=1e-13, dense_output=True)
        assert qi == pytest.approx(sol.sol(t)[0].max(), abs=1e-8)
