"""dask twin of the EIM greedy step (reference :func:`refimpl.eim.greedy.greedy_step`).

The snapshot matrix S (N_x points x N_y parameters) is chunked by rows (points). One greedy step
is the rank-one Schur-complement update R <- R - q rᵀ with q = R[:, j] / R[i, j] and r = R[i, :],
followed by the column norms of the new residual. On dask:

* the selected row r (N_y numbers) is fetched from the one chunk that holds it;
* the update is blockwise (each row chunk of R and of q), and the new residual and q are
  **persisted** (held in the workers' memory, chunk by chunk, as the previous residual is
  released), so the k-th step does not replay the k - 1 previous updates from S;
* the column norms (sup: the maximum modulus; l2 and weighted l2: the sum of squared moduli) are
  **one reduction** over the row chunks; the N_y norms come back to the client, where the driver
  picks the next parameter.

So each step costs one pass over the persisted residual plus a column argmax (a second, cheap
pass over one column); memory is one copy of S spread over the workers (the first step reads S
itself). The update is the reference's elementwise arithmetic, so the residual is bit for bit the
reference's; the sup norm is exact, the l2 sums are added per chunk (agreement to round-off).
"""

from __future__ import annotations

import numpy as np

from refimpl.backends import register_twin


def _norms(R, norm_code, w):
    import dask.array as da

    if np.iscomplexobj(np.empty(0, dtype=R.dtype)):
        key = R.real * R.real + R.imag * R.imag  # Re² + Im², as the reference's _modulus_key
        squared = True
    else:
        key = abs(R)
        squared = False
    if norm_code == 0:
        m = key.max(axis=0)
        return da.sqrt(m) if squared else m
    k2 = key if squared else key * key
    if norm_code == 1:
        return da.sqrt(k2.sum(axis=0))
    return da.sqrt((w.rechunk((R.chunks[0],))[:, None] * k2).sum(axis=0))


@register_twin("eim.greedy_step", "dask")
def greedy_step_dask(R, i, j, norm_code, w):
    import dask
    import dask.array as da

    R = R.rechunk({1: -1})  # whole rows per chunk (the update and the norms are then blockwise)
    r = np.asarray(R[i, :].compute())  # R^{(k-1)}_{i,:}: one row, from the chunk holding it
    col = R[:, j]
    q = col / r[j]
    rows = da.arange(R.shape[0], chunks=R.chunks[0])
    q = da.where(rows == i, da.ones_like(q), q)  # q_k(x_{i_k}) = 1 exactly
    Rn = R - q[:, None] * r[None, :]  # the rank-one Schur-complement update, blockwise
    Rn, q = dask.persist(Rn, q)
    norms = np.asarray(_norms(Rn, norm_code, w).compute())  # one reduction over the row chunks
    return Rn, q, da.from_array(r, chunks=r.shape), da.from_array(norms, chunks=norms.shape)
