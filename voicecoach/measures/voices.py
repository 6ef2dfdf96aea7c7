"""How many voices a recording holds, and which 10 ms frames belong to which of two.

1. **Windows**: 1 s of the recording every 0.5 s, kept when at least half of it is speech
   (the 10 ms speech decision of :func:`voicecoach.audio.activity.compute_activity`).
2. **Embedding** per window: the d-vector of Resemblyzer's voice encoder run in numpy
   (:mod:`voicecoach.measures.embed`). Signal statistics (mean and spread of 12 mel-cepstra
   on the telephone band and the median F0, benchmarks/separation_signal.py) were measured as the
   alternative and lost: on the mono mixes of benchmarks/results/separation.md the d-vectors
   gave a diarization error rate of 0.5-6 %, the signal statistics 20-50 % on real voices.
3. **Clusters**: k-means with k = 6 (seeded farthest-first from the first window:
   deterministic). Voice 0 is the first window's cluster (the agent answers the call),
   joined one by one by the most similar other cluster while it is as similar as one voice (one
   voice falls into several clusters: words, loudness); the clusters left are voice 1 (the
   customer, and anyone else on the line). Each speech frame takes the majority label of the
   windows covering it.
4. **Confidence**: two voices are called when the nearest cluster left is at least
   ``min_separation`` (d' 4) from voice 0, the two voices' mean d-vectors are less similar
   than ``max_similarity`` (cosine 0.87, chosen leave-one-source-out), voice 1 holds at least ``min_share`` of the speech
   and at least ``min_windows`` windows (about 10 s of speech) were embedded: on shorter
   recordings parts of one voice part as far as two people (benchmarks/separation_detector.py).
   Otherwise the recording holds one voice, or two that cannot be told apart: not ``confident``.

Overlapping speech goes to one voice: a mono mix cannot give both sides where both speak at
once with this method, so overtalk is under-counted on a mono call.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from voicecoach.audio import FRAME_S, Audio, resample
from voicecoach.audio.activity import Activity


SPLIT_WITHIN, SPLIT_TESTED = 11, 73
SPLIT_RELIABILITY = SPLIT_WITHIN / SPLIT_TESTED
"""Share of confident mono splits whose agent figures stayed within the two-track tolerances
(turn count, waits, dead air, level): 11 of 73 realistic one-customer mixes of real agents
(benchmarks/results/separation_onecustomer.md; tests/test_separation_reliability.py keeps the
two equal). A side separated from a mono mix carries it, and every verdict built on that side
is "uncertain" while it is under ``quality.separation_reliability`` (data/targets.toml)."""

MAX_DETECTOR_WINDOWS = 120
"""Windows the two-voices detector embeds at most (1 min of speech spread over the recording; under 1 s of work on 2 cores)."""


@dataclass(frozen=True)
class VoiceSettings:
    """Every tuning value of the separation, with its unit.

    Attributes
    ----------
    window_s, hop_s : float
        Embedding windows and their step, s.
    min_window_speech_ratio : float
        A window is embedded when this share of its frames is speech, 0..1.
    min_separation : float
        Clusters closer than this d' are one voice; two voices are called when the nearest
        cluster left is at least this far from the first voice, standard deviations.
    max_similarity : float
        Two voices whose mean d-vectors are this similar (cosine) or more are not called two:
        parts of one voice reach 0.91-0.98 on the single-speaker clips, two people 0.50-0.88.
    min_windows : int
        Fewer embedded windows than this (about 0.5 s of speech each) are too few to call two
        voices.
    min_share : float
        The second voice must hold this share of the speech, 0..0.5.
    min_speech_s : float
        Less speech than this is not separated, s.
    n_clusters : int
        Window clusters (k-means) before they are joined into two voices (>= 2).
    min_cluster_windows : int
        Fewer clusters on short recordings: at least this many windows per cluster on average.
    """

    window_s: float = 1.0
    hop_s: float = 0.5
    min_window_speech_ratio: float = 0.5
    min_separation: float = 4.0
    max_similarity: float = 0.87
    min_windows: int = 20
    min_share: float = 0.05
    min_speech_s: float = 4.0
    n_clusters: int = 6
    min_cluster_windows: int = 4


@dataclass(frozen=True, eq=False)
class VoiceSplit:
    """Which of two voices speaks in each 10 ms frame.

    Attributes
    ----------
    times_s : numpy.ndarray
        Frame centres, s, shape (n,).
    labels : numpy.ndarray
        int8 per frame: -1 no speech, 0 or 1 the voice (0 is the voice heard first).
    separation : float
        d' between voice 0 and the nearest cluster of voice 1, standard deviations (0: one
        voice; NaN: too little speech).
    share_of_second_voice : float
        The smaller voice's share of the speech, 0..0.5 (NaN: too little speech).
    confident : bool
        Two voices told apart: ``separation`` and ``share_of_second_voice`` over their thresholds.
    n_windows : int
        Windows embedded.
    method : str
    similarity : float
        Cosine similarity of the two voices' mean embeddings, -1..1 (1: one voice; NaN: too
        little speech), for the record.
    """

    times_s: np.ndarray
    labels: np.ndarray
    separation: float
    share_of_second_voice: float
    confident: bool
    n_windows: int
    method: str = ""
    similarity: float = float("nan")

    def mask(self, voice: int) -> np.ndarray:
        """bool per frame: ``voice`` speaks."""
        return self.labels == voice

    def to_dict(self) -> dict:
        f = lambda v: None if not np.isfinite(v) else round(float(v), 3)  # noqa: E731
        return {"method": self.method, "separation": f(self.separation), "share_of_second_voice": f(self.share_of_second_voice),
                "similarity": f(self.similarity), "confident": self.confident, "n_windows": self.n_windows}


@dataclass(frozen=True)
class TwoVoices:
    """Whether a recording analysed as one speaker holds two voices.

    Attributes
    ----------
    confident : bool
        True: two voices told apart; a single-speaker analysis of it mixes two people.
    share_of_second_voice : float
        The smaller voice's share of the speech, 0..0.5 (NaN: too little speech to tell).
    similarity : float
        Cosine similarity of the two voices' mean embeddings (:attr:`VoiceSplit.similarity`).
    separation : float
        d' between the two voices, standard deviations (NaN: too little speech).
    second_voice_s : float
        Speech of the smaller voice, s.
    method : str
        The embedding and clustering used.
    """

    confident: bool
    share_of_second_voice: float
    similarity: float
    separation: float
    second_voice_s: float
    method: str = ""

    def to_dict(self) -> dict:
        f = lambda v: None if not np.isfinite(v) else round(float(v), 3)  # noqa: E731
        return {"confident": self.confident, "share_of_second_voice": f(self.share_of_second_voice),
                "similarity": f(self.similarity), "separation": f(self.separation), "second_voice_s": round(self.second_voice_s, 2), "method": self.method}


def two_voices_likely(audio: Audio, activity: Activity, *, encoder=None, settings: VoiceSettings = VoiceSettings(),
                      max_windows: int | None = MAX_DETECTOR_WINDOWS) -> TwoVoices:
    """Does a recording meant to hold one speaker hold two? (the customer on the agent's channel)

    Parameters
    ----------
    audio : Audio
        Mono analysis copy.
    activity : Activity
        Its speech decision (:func:`voicecoach.audio.activity.compute_activity`).
    encoder : VoiceEncoder, optional
        Default: the shared one (:func:`voicecoach.measures.embed.shared_encoder`).
    max_windows : int or None
        At most this many windows are embedded, evenly spread over the recording (None: all):
        the cost stays bounded on long calls; the shares are then those of the speech the
        windows cover.

    Raises
    ------
    ModelError
        The voice encoder's weights are not installed.

    Returns
    -------
    TwoVoices
    """
    from voicecoach.measures.embed import shared_encoder

    speech = np.asarray(activity.is_speech, bool)
    starts = window_starts(speech, settings=settings, frame_s=activity.frame_s)
    covered = speech
    if max_windows is not None and len(starts) > max_windows:
        starts = starts[np.unique(np.linspace(0, len(starts) - 1, max_windows).round().astype(int))]
        w = int(round(settings.window_s / activity.frame_s))
        mask = np.zeros(len(speech), bool)
        for a in starts:
            mask[a:a + w] = True
        covered = speech & mask
    encoder = encoder if encoder is not None else shared_encoder()
    emb = encoder_embeddings(audio, speech, starts, encoder, settings=settings, frame_s=activity.frame_s)
    split = split_voices(emb, starts, covered, method=METHOD, settings=settings, frame_s=activity.frame_s)
    scale = speech.sum() / covered.sum() if covered.any() else 1.0
    second = float(min(split.mask(0).sum(), split.mask(1).sum()) * activity.frame_s * scale)
    return TwoVoices(split.confident, split.share_of_second_voice, split.similarity, split.separation, second, split.method)


def window_starts(speech: np.ndarray, *, settings: VoiceSettings = VoiceSettings(), frame_s: float = FRAME_S) -> np.ndarray:
    """First frame of each embedding window: every ``hop_s``, kept when at least
    ``min_window_speech_ratio`` of its ``window_s`` is speech."""
    w, h = int(round(settings.window_s / frame_s)), int(round(settings.hop_s / frame_s))
    speech = np.asarray(speech, bool)
    if len(speech) < w:
        return np.zeros(0, int)
    share = np.convolve(speech.astype(float), np.ones(w) / w, mode="valid")[::h]
    return np.flatnonzero(share >= settings.min_window_speech_ratio - 1e-9) * h


def encoder_embeddings(audio: Audio, speech: np.ndarray, starts: np.ndarray, encoder, *, settings: VoiceSettings = VoiceSettings(),
                       frame_s: float = FRAME_S) -> np.ndarray:
    """Per window: the voice encoder's d-vector (:class:`voicecoach.measures.embed.VoiceEncoder`)
    of its mel frames, the recording scaled so its speech is at the encoder's -30 dBFS."""
    from voicecoach.measures.embed import SAMPLE_RATE_HZ, TARGET_DBFS

    x = audio.samples if audio.sample_rate_hz == SAMPLE_RATE_HZ else resample(audio.samples, from_rate_hz=audio.sample_rate_hz, to_rate_hz=SAMPLE_RATE_HZ)
    hop = int(round(frame_s * SAMPLE_RATE_HZ))
    sp = np.asarray(speech, bool)[:len(x) // hop]
    voiced = x[:len(sp) * hop].reshape(-1, hop)[sp]
    rms = float(np.sqrt(np.mean(np.square(voiced, dtype=np.float64)))) if len(voiced) else 0.0
    gain = 10 ** ((TARGET_DBFS - 20 * np.log10(rms)) / 20) if rms > 0 else 1.0
    mels = encoder.mel_frames(np.asarray(x, np.float32) * np.float32(gain))
    w = int(round(settings.window_s / frame_s))
    mels = np.concatenate([mels, np.zeros((w, mels.shape[1]), np.float32)])
    out = []
    for k in range(0, len(starts), 256):  # bounded batches
        out.append(encoder.embed(np.stack([mels[a:a + w] for a in starts[k:k + 256]])))
    return np.concatenate(out) if out else np.zeros((0, 256))


def split_voices(embeddings: np.ndarray, starts: np.ndarray, speech: np.ndarray, *, method: str, settings: VoiceSettings = VoiceSettings(),
                 frame_s: float = FRAME_S) -> VoiceSplit:
    """Two voices from window embeddings, or one.

    Parameters
    ----------
    embeddings : numpy.ndarray
        Shape (m, d), one row per window (:func:`encoder_embeddings`).
    starts : numpy.ndarray
        First frame of each window, shape (m,) (:func:`window_starts`).
    speech : numpy.ndarray
        bool per frame, shape (n,).
    method : str
        Recorded in the result.

    Returns
    -------
    VoiceSplit
        When not ``confident`` the labels still hold the best two-way split (for inspection);
        callers must not treat them as two people.
    """
    speech = np.asarray(speech, bool)
    n = len(speech)
    times = (np.arange(n) + 0.5) * frame_s
    labels = np.full(n, -1, np.int8)
    if speech.sum() * frame_s < settings.min_speech_s or len(embeddings) < 4:
        return VoiceSplit(times, labels, float("nan"), float("nan"), False, len(embeddings), method, float("nan"))
    emb = np.asarray(embeddings, float)
    clusters = _kmeans(emb, max(2, min(settings.n_clusters, len(emb) // settings.min_cluster_windows)))
    win, sep = _first_voice(emb, clusters, settings.min_separation)
    similarity = _cosine(emb[win == 0].mean(axis=0), emb[win == 1].mean(axis=0)) if (win == 1).any() else 1.0
    labels[speech] = _windows_to_frames(win, starts, n, settings, frame_s)[speech]
    share = float(min((labels == 0).sum(), (labels == 1).sum()) / speech.sum())
    confident = bool(sep >= settings.min_separation and similarity < settings.max_similarity and share >= settings.min_share
                     and len(emb) >= settings.min_windows)
    return VoiceSplit(times, labels, float(sep), share, confident, len(embeddings), method, similarity)


def voice_split(audio: Audio, activity: Activity, *, encoder=None, settings: VoiceSettings = VoiceSettings()) -> VoiceSplit:
    """:func:`split_voices` on a recording: speech from ``activity``, embeddings from the voice
    encoder (a :class:`voicecoach.measures.embed.VoiceEncoder`; default the shared one, which
    raises ModelError when its weights are not installed)."""
    from voicecoach.measures.embed import shared_encoder

    speech = np.asarray(activity.is_speech, bool)
    starts = window_starts(speech, settings=settings, frame_s=activity.frame_s)
    encoder = encoder if encoder is not None else shared_encoder()
    emb = encoder_embeddings(audio, speech, starts, encoder, settings=settings, frame_s=activity.frame_s)
    return split_voices(emb, starts, speech, method=METHOD, settings=settings, frame_s=activity.frame_s)


METHOD = "resemblyzer d-vectors (numpy), k-means, first voice against the rest"


# ---------------------------------------------------------------- internals


def _kmeans(emb: np.ndarray, k: int, n_iter: int = 30) -> np.ndarray:
    """k-means seeded farthest-first from the first window: deterministic."""
    seeds = [0]
    d_min = ((emb - emb[0]) ** 2).sum(axis=1)
    while len(seeds) < k:
        seeds.append(int(np.argmax(d_min)))
        d_min = np.minimum(d_min, ((emb - emb[seeds[-1]]) ** 2).sum(axis=1))
    centres = emb[seeds].copy()
    labels = np.full(len(emb), -1)
    for _ in range(n_iter):
        new = np.argmin(((emb[:, None, :] - centres[None]) ** 2).sum(axis=2), axis=1)
        if (new == labels).all():
            break
        labels = new
        centres = np.array([emb[labels == j].mean(axis=0) if (labels == j).any() else centres[j] for j in range(k)])
    return labels


def _first_voice(emb: np.ndarray, clusters: np.ndarray, min_separation: float, *, anchor: int | None = None) -> tuple[np.ndarray, float]:
    """Voice 0: the first window's cluster (or cluster ``anchor``), joined one at a time by the
    nearest other cluster (:func:`_separation`) while it lies within ``min_separation``; voice 1:
    the clusters left.

    Returns each window's voice and the separation of the nearest cluster left (0 when none is)."""
    first = {int(clusters[0] if anchor is None else anchor)}
    while True:
        rest = [int(j) for j in np.unique(clusters) if j not in first]
        if not rest:
            return np.zeros(len(emb), int), 0.0
        in_first = np.isin(clusters, list(first))
        d = [_separation(emb, np.where(in_first, 0, np.where(clusters == j, 1, -1))) for j in rest]
        j = int(np.argmin(d))
        if d[j] >= min_separation:
            return np.where(in_first, 0, 1), float(d[j])
        first.add(rest[j])


def _cosine(a: np.ndarray, b: np.ndarray) -> float:
    return float(a @ b / max(np.linalg.norm(a) * np.linalg.norm(b), 1e-12))


def _separation(emb: np.ndarray, labels: np.ndarray) -> float:
    """d' of the two clusters on the line through their means: the distance between the means
    over the pooled standard deviation of the windows projected on that line."""
    x0, x1 = emb[labels == 0], emb[labels == 1]
    if len(x0) < 2 or len(x1) < 2:
        return 0.0
    diff = x1.mean(axis=0) - x0.mean(axis=0)
    norm = float(np.linalg.norm(diff))
    if norm == 0:
        return 0.0
    p0, p1 = x0 @ diff / norm, x1 @ diff / norm
    pooled = np.sqrt(((len(p0) - 1) * p0.var(ddof=1) + (len(p1) - 1) * p1.var(ddof=1)) / (len(p0) + len(p1) - 2))
    return float((p1.mean() - p0.mean()) / max(pooled, 1e-9))


def _windows_to_frames(win_labels: np.ndarray, starts: np.ndarray, n: int, st: VoiceSettings, frame_s: float) -> np.ndarray:
    """Each frame takes the majority label of the windows covering it (ties: voice 0, so a frame
    covered by one window of each voice goes to voice 0); frames no window covers take the label
    of the nearest window."""
    w = int(round(st.window_s / frame_s))
    votes = np.zeros((n, 2))
    for a, k in zip(starts, win_labels):
        votes[a:a + w, k] += 1
    out = np.where(votes[:, 1] > votes[:, 0], 1, 0).astype(np.int8)
    covered = votes.sum(axis=1) > 0
    if not covered.all() and len(starts):
        centres = starts + w // 2
        idx = np.flatnonzero(~covered)
        nearest = np.clip(np.searchsorted(centres, idx), 0, len(centres) - 1)
        prev = np.clip(nearest - 1, 0, len(centres) - 1)
        pick = np.where(np.abs(centres[prev] - idx) < np.abs(centres[nearest] - idx), prev, nearest)
        out[idx] = win_labels[pick]
    return out


__all__ = ["METHOD", "TwoVoices", "VoiceSettings", "VoiceSplit", "encoder_embeddings", "split_voices",
           "two_voices_likely", "voice_split", "window_starts"]
