"""The gaps grouping as it was before issue 14 (one Python comparison per question and group).

Kept unchanged as the oracle: tests check that api/quality/grouping.py finds the same
groups, and bench/gaps.py times both.
"""

from __future__ import annotations

import numpy as np


def old_groups(vectors: np.ndarray, similarity: float) -> list[list[int]]:
    """Each vector in turn joins the group whose (normalised) centroid is nearest, or starts one."""
    centroids: list[np.ndarray] = []
    members: list[list[int]] = []
    for index, vector in enumerate(vectors):
        scores = [float(np.dot(vector, c / np.linalg.norm(c))) for c in centroids]
        best = int(np.argmax(scores)) if scores else -1
        if best >= 0 and scores[best] >= similarity:
            members[best].append(index)
            centroids[best] = centroids[best] + vector
        else:
            centroids.append(vector.copy())
            members.append([index])
    return members
