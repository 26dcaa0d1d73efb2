"""The newton family's public API: every name declares its backend capabilities; problem objects and callables agree."""

from __future__ import annotations

import numpy as np

import refimpl.newton as newton
from refimpl.backends import capability_table


def test_every_public_name_declares_capabilities():
    table = capability_table()
    mine = {k: v for k, v in table.items() if k.startswith("refimpl.newton.")}
    assert mine and not [k for k, v in mine.items() if "undeclared" in v.values()]
    for name in newton.__all__:
        assert hasattr(newton, name)


def test_problem_object_and_callables_give_the_same_run():
    prob = newton.peer_logistic(300, 8)
    a = newton.damped_newton(prob, x0=np.zeros(8), schedule="armijo", gtol=1e-12)
    b = newton.damped_newton(prob.fun, prob.grad, prob.hess, np.zeros(8), schedule="armijo", gtol=1e-12)
    np.testing.assert_array_equal(np.asarray(a.x), np.asarray(b.x))
    assert a.n_iter == b.n_iter and a.n_fev <= b.n_fev  # the problem object's fun_grad shares one product
