"""A logistic score over the figures of a candidate filled pause (numpy only).

A candidate (:class:`voicecoach.measures.fillers.Candidate`) that passes the rule's hard limits
(duration, harmonics, F0 wobble, nearness to speech, the loose F0 and spectral envelope) is a
filled pause when ``FillerModel.score`` reaches ``min_score``. The weights, the standardisation
and ``min_score`` are fitted by benchmarks/fillers.py (:func:`fit_logistic`, then the threshold),
inside leave-one-source-out folds and, with the settings the folds validated, on every source
for what ships; benchmarks/results/fillers.json holds what it chose, and a test checks that
:data:`SHIPPED` is that.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

FEATURES = ("range_st", "curve_st", "abs_slope_st_per_s", "change_db", "log_duration_s", "under_words", "spread",
            "n_harmonics", "jitter_st", "context_s", "voiced_share", "level_db", "pitch_st", "pause_touch")
"""The figures the score reads, in order (see :func:`feature_vector`)."""


def feature_vector(c) -> np.ndarray:
    """The :data:`FEATURES` of one candidate, shape (len(FEATURES),); clipped so one odd figure cannot dominate.

    ``under_words``: 1 for a stretch found under recognised syllables (``spread`` > 0);
    ``level_db``: its level relative to the speech round it; ``pitch_st``: its median F0 relative
    to the speaker's, semitones (a filler is typically low and level); ``pause_touch``: 1 where
    it borders a pause.
    """
    return np.array([min(c.range_st, 6.0), min(c.curve_st, 6.0), min(abs(c.slope_st_per_s), 20.0), min(c.change_db, 6.0),
                     np.log(max(c.end_s - c.start_s, 0.05)), float(c.spread > 0), min(c.spread, 6.0), min(c.n_harmonics, 12),
                     min(c.jitter_st, 1.0), min(c.context_s, 3.0), c.voiced_share, float(np.clip(c.level_db, -30, 15)),
                     float(np.clip(c.pitch_st, -12, 12)), float(c.pause_touch)], float)


@dataclass(frozen=True)
class FillerModel:
    """Logistic weights over standardised :data:`FEATURES`.

    Attributes
    ----------
    centre, scale : tuple of float
        Each feature's mean and standard deviation on the data it was fitted on.
    weights : tuple of float
        One per feature, on the standardised scale.
    bias : float
    min_score : float
        Score (0..1) at which a candidate is a filled pause.
    """

    centre: tuple[float, ...]
    scale: tuple[float, ...]
    weights: tuple[float, ...]
    bias: float
    min_score: float

    def score(self, c) -> float:
        """The model's probability (0..1) that candidate ``c`` is a filled pause."""
        z = (feature_vector(c) - np.asarray(self.centre)) / np.asarray(self.scale)
        return float(1.0 / (1.0 + np.exp(-(z @ np.asarray(self.weights) + self.bias))))

    def to_dict(self) -> dict:
        return {"features": list(FEATURES), "centre": list(self.centre), "scale": list(self.scale), "weights": list(self.weights),
                "bias": self.bias, "min_score": self.min_score}


def fit_logistic(x: np.ndarray, y: np.ndarray, *, l2: float, min_score: float = 0.5, balanced: bool = True) -> FillerModel:
    """L2-penalised logistic regression by Newton's method (IRLS).

    Parameters
    ----------
    x : numpy.ndarray
        Features, shape (n, len(FEATURES)).
    y : numpy.ndarray
        0/1 labels, shape (n,).
    l2 : float
        Penalty on the weights (not the bias), > 0, on the standardised scale.
    min_score : float
        Stored as the model's threshold (choose it afterwards).
    balanced : bool
        Weight the classes to equal total weight (few fillers among many candidates).

    Returns
    -------
    FillerModel
    """
    centre = x.mean(axis=0)
    scale = x.std(axis=0)
    scale[scale < 1e-9] = 1.0
    z = np.column_stack([(x - centre) / scale, np.ones(len(x))])
    y = np.asarray(y, float)
    n_pos = max(y.sum(), 1.0)
    n_neg = max(len(y) - y.sum(), 1.0)
    sw = np.where(y > 0, len(y) / (2 * n_pos), len(y) / (2 * n_neg)) if balanced else np.ones(len(y))
    beta = np.zeros(z.shape[1])
    pen = np.full(z.shape[1], l2)
    pen[-1] = 0.0
    for _ in range(50):
        p = 1.0 / (1.0 + np.exp(-np.clip(z @ beta, -30, 30)))
        grad = z.T @ (sw * (p - y)) + pen * beta
        hess = (z * (sw * p * (1 - p))[:, None]).T @ z + np.diag(pen + 1e-9)
        step = np.linalg.solve(hess, grad)
        beta -= step
        if np.max(np.abs(step)) < 1e-8:
            break
    return FillerModel(tuple(map(float, centre)), tuple(map(float, scale)), tuple(map(float, beta[:-1])), float(beta[-1]), float(min_score))


SHIPPED = FillerModel(
    centre=(0.974134, 0.454821, 3.327747, 2.230857, -1.064338, 0.257143, 0.553785, 8.52381, 0.088154, 0.264724, 0.994372, 1.64963, 0.136137, 0.314286),
    scale=(0.700845, 0.273261, 3.151372, 0.71346, 0.362561, 0.437059, 1.041416, 2.59705, 0.046153, 0.603485, 0.023297, 5.116544, 2.57149, 0.464231),
    weights=(-0.290177, -1.247206, -0.411989, -1.216629, 1.048114, -0.191178, -0.185976, -0.37594, 0.108746, -0.474278, -0.354156, -0.016415, -0.155271, -0.420318),
    bias=-0.973091, min_score=0.77276)
"""What benchmarks/fillers.py fitted on every source with the settings its folds validated (copied from
benchmarks/results/fillers.json, "shipped"; tests/test_fillers.py checks the two agree)."""
