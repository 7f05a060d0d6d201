"""Questions grouped by meaning: each joins the group whose centroid is nearest, or starts one.

The rule is sequential (a group's centroid moves as members join), but the work is not:
the questions go in blocks, and a block is compared with every group as it stood at the
block's start in one matrix product. Inside the block only the groups it changed need
correcting, and those corrections are columns of the block's own similarity matrix
(``v·(c + u) = v·c + v·u``). The groups come out the same as comparing each question
with each centroid in turn; the cost is two matrix products per block plus one vector
operation per question, instead of one Python step per question and group.
"""

from __future__ import annotations

import numpy as np

BLOCK = 512  # rows per matrix product: large enough for BLAS, small enough for the per-row work


def _unit_rows(vectors: np.ndarray) -> np.ndarray:
    rows = np.asarray(vectors, dtype=np.float32)
    norms = np.linalg.norm(rows, axis=1, keepdims=True)
    return np.ascontiguousarray(rows / np.where(norms > 0, norms, 1.0), dtype=np.float32)


def group_by_meaning(vectors: np.ndarray, similarity: float, block: int = BLOCK) -> list[list[int]]:
    """The row indices of ``vectors`` in groups, in the order the groups were started.

    A row joins the group whose centroid (the sum of its members, normalised) has the
    highest cosine with it when that cosine is at least ``similarity``; otherwise it
    starts a group of its own. Rows are taken in order, as before.
    """
    unit = _unit_rows(vectors)
    count, dim = unit.shape if unit.ndim == 2 else (0, 0)
    if count == 0:
        return []
    sums = np.zeros((count, dim), dtype=np.float32)  # each group's member sum (at most one group per row)
    lengths = np.zeros(count, dtype=np.float64)  # the length of each sum
    members: list[list[int]] = []
    for start in range(0, count, block):
        rows = unit[start : start + block]
        size = len(rows)
        known = len(members)
        # dots[i, g]: row i · sum of group g; columns past `known` are the groups this block starts.
        dots = np.zeros((size, known + size), dtype=np.float64)
        dots[:, :known] = rows @ sums[:known].T
        within = (rows @ rows.T).astype(np.float64)
        joined = np.empty(size, dtype=np.intp)
        for i in range(size):
            groups = len(members)
            best = -1
            if groups:
                scores = dots[i, :groups] / np.maximum(lengths[:groups], 1e-12)
                best = int(np.argmax(scores))
                if scores[best] < similarity:
                    best = -1
            if best < 0:
                best = groups
                members.append([])
                lengths[best] = np.sqrt(within[i, i])
                dots[:, best] = within[:, i]
            else:
                # |c + v|² = |c|² + 2 v·c + |v|²
                lengths[best] = np.sqrt(lengths[best] ** 2 + 2 * dots[i, best] + within[i, i])
                dots[:, best] += within[:, i]
            members[best].append(start + i)
            joined[i] = best
        np.add.at(sums, joined, rows)
    return members
