"""Speaker embeddings (d-vectors) from Resemblyzer's voice encoder, run in numpy (no torch).

Resemblyzer (Resemble AI, Apache-2.0; PyPI ``resemblyzer`` 0.1.4) ships a GE2E speaker
encoder (Wan, Wang, Papir & Lopez Moreno 2018, "Generalized end-to-end loss for speaker
verification", ICASSP): 40 mel bands of linear power (25 ms Hann windows every 10 ms at 16 kHz,
librosa's Slaney filterbank), a 3-layer LSTM of 256 units, a 256x256 linear layer, ReLU and L2
normalisation. Its weights, ``resemblyzer/pretrained.pt`` (17 MB), are a legacy (pre-zip) torch
pickle; :func:`load_weights` reads them with :mod:`pickle` and numpy only, refusing any class
but tensors and ordered dicts, and :class:`VoiceEncoder` runs the network in numpy.

The package itself cannot be a dependency (it requires torch, which voicecoach must never pull
in), so the weights file is found, in order: the path given; ``$VOICECOACH_MODELS_DIR`` or the
checkout's ``models/`` folder, as ``resemblyzer/pretrained.pt`` (``scripts/fetch_voice_encoder.py``
takes it from the PyPI wheel and checks its SHA-256); an installed ``resemblyzer``
distribution (``pip install --no-deps resemblyzer``), located without importing it.
"""

from __future__ import annotations

import hashlib
import importlib.util
import os
import pickle
import threading
from collections import OrderedDict
from pathlib import Path

import numpy as np

from voicecoach.errors import ModelError

WEIGHTS_SHA256 = "39373b86598fa3da9fcddee6142382efe09777e8d37dc9c0561f41f0070f134e"
"""SHA-256 of resemblyzer 0.1.4's ``pretrained.pt``."""
SAMPLE_RATE_HZ = 16_000
N_MELS = 40
TARGET_DBFS = -30.0
"""Resemblyzer's input level: the speech scaled to this RMS, dB re full scale (``audio_norm_target_dBFS``)."""


class _Storage:
    def __init__(self, dtype, key: str) -> None:
        self.dtype, self.key = dtype, key


class _Tensor:
    def __init__(self, storage: _Storage, offset: int, size, stride) -> None:
        self.storage, self.offset, self.size, self.stride = storage, int(offset), tuple(size), tuple(stride)


_DTYPES = {"FloatStorage": np.float32, "DoubleStorage": np.float64, "LongStorage": np.int64, "IntStorage": np.int32}


class _Unpickler(pickle.Unpickler):
    def find_class(self, module: str, name: str):
        if module == "torch._utils" and name == "_rebuild_tensor_v2":
            return lambda storage, offset, size, stride, *rest: _Tensor(storage, offset, size, stride)
        if module == "torch" and name in _DTYPES:
            return _DTYPES[name]
        if module == "collections" and name == "OrderedDict":
            return OrderedDict
        raise pickle.UnpicklingError(f"the voice encoder file holds {module}.{name}, which is not a tensor")

    def persistent_load(self, pid):
        return _Storage(pid[1], str(pid[2]))


def load_weights(path: str | os.PathLike) -> dict[str, np.ndarray]:
    """The state dict of a legacy torch checkpoint as numpy arrays (``model_state`` entries).

    The legacy format: five pickles (magic number, protocol, system info, the object with
    storages as persistent ids, the storage keys), then each storage as an int64 element count
    and its raw little-endian bytes.
    """
    with open(path, "rb") as f:
        for _ in range(3):
            _Unpickler(f).load()
        obj = _Unpickler(f).load()
        keys = _Unpickler(f).load()
        state = obj["model_state"] if "model_state" in obj else obj
        dtypes = {t.storage.key: t.storage.dtype for t in state.values() if isinstance(t, _Tensor)}
        raw = {}
        for k in keys:
            n = int(np.frombuffer(f.read(8), "<i8")[0])
            dt = np.dtype(dtypes.get(k, np.float32)).newbyteorder("<")
            raw[k] = np.frombuffer(f.read(n * dt.itemsize), dt)
    out = {}
    for name, t in state.items():
        if isinstance(t, _Tensor):
            data = raw[t.storage.key]
            out[name] = np.array(np.lib.stride_tricks.as_strided(data[t.offset:], t.size, [s * data.itemsize for s in t.stride]), np.float32)
    return out


def find_weights(path: str | os.PathLike | None = None) -> Path | None:
    """Where the voice encoder's weights are (see the module notes); None when nowhere."""
    if path is not None:
        return Path(path) if Path(path).is_file() else None
    from voicecoach.recognize.models import default_models_dir

    in_models = default_models_dir() / "resemblyzer" / "pretrained.pt"
    if in_models.is_file():
        return in_models
    spec = importlib.util.find_spec("resemblyzer")  # finds the package without running it (no torch import)
    if spec is not None and spec.submodule_search_locations:
        for loc in spec.submodule_search_locations:
            if (Path(loc) / "pretrained.pt").is_file():
                return Path(loc) / "pretrained.pt"
    return None


def sha256_of(path: str | os.PathLike) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


class VoiceEncoder:
    """Resemblyzer's speaker encoder in numpy.

    Parameters
    ----------
    weights : str or path-like, optional
        ``pretrained.pt``; default :func:`find_weights`.

    Raises
    ------
    ModelError
        No weights file found, or it is not resemblyzer 0.1.4's.
    """

    def __init__(self, weights: str | os.PathLike | None = None) -> None:
        path = find_weights(weights)
        if path is None:
            raise ModelError("the voice encoder's weights (resemblyzer/pretrained.pt) were not found; "
                             "run `python scripts/fetch_voice_encoder.py` to take them from the resemblyzer wheel on PyPI")
        self.path = path
        self.sha256 = sha256_of(path)
        if self.sha256 != WEIGHTS_SHA256:
            raise ModelError(f"{path.name} has SHA-256 {self.sha256[:12]}..., not resemblyzer 0.1.4's; fetch it again with scripts/fetch_voice_encoder.py")
        w = load_weights(path)
        self._layers = [(w[f"lstm.weight_ih_l{k}"].T.copy(), w[f"lstm.weight_hh_l{k}"].T.copy(), w[f"lstm.bias_ih_l{k}"] + w[f"lstm.bias_hh_l{k}"]) for k in range(3)]
        self._linear = (w["linear.weight"].T.copy(), w["linear.bias"])
        self._mel = mel_filterbank()

    def mel_frames(self, samples: np.ndarray) -> np.ndarray:
        """Mel power frames of 16 kHz samples already at the encoder's level, shape (n // 160 + 1, 40)."""
        return mel_power(samples, self._mel)

    def embed(self, mels: np.ndarray) -> np.ndarray:
        """d-vectors of a batch of equal-length mel windows.

        Parameters
        ----------
        mels : numpy.ndarray
            Shape (batch, frames, 40), from :meth:`mel_frames`.

        Returns
        -------
        numpy.ndarray
            Shape (batch, 256): non-negative, unit length.
        """
        with _one_blas_thread():
            return self._embed(np.asarray(mels, np.float32))

    def _embed(self, h_in: np.ndarray) -> np.ndarray:
        b, t, _ = h_in.shape
        h = np.zeros((b, 256), np.float32)
        for w_ih, w_hh, bias in self._layers:
            xi = h_in @ w_ih + bias
            h = np.zeros((b, 256), np.float32)
            c = np.zeros((b, 256), np.float32)
            outs = np.empty((b, t, 256), np.float32)
            for k in range(t):  # PyTorch's gate order: input, forget, cell, output
                g = xi[:, k] + h @ w_hh
                i, f, o = _sigmoid(g[:, :256]), _sigmoid(g[:, 256:512]), _sigmoid(g[:, 768:])
                c = f * c + i * np.tanh(g[:, 512:768])
                h = o * np.tanh(c)
                outs[:, k] = h
            h_in = outs
        e = np.maximum(h @ self._linear[0] + self._linear[1], 0.0)
        return e / np.maximum(np.linalg.norm(e, axis=1, keepdims=True), 1e-9)


_SHARED: dict = {}
_LOCK = threading.Lock()


def shared_encoder(weights: str | os.PathLike | None = None) -> VoiceEncoder:
    """One :class:`VoiceEncoder` per weights file and process, made on first use."""
    path = find_weights(weights)
    key = str(path)
    with _LOCK:
        if key not in _SHARED:
            _SHARED[key] = VoiceEncoder(path)
        return _SHARED[key]


def _one_blas_thread():
    """The LSTM's products on one BLAS thread: each step multiplies only (windows x 256) by
    (256 x 1024), too small to share, and OpenBLAS's threads spin while they wait. On the
    2-core web worker, 120 windows of a 2-minute take cost 6.7 s of processor time (18 s
    wall) under load with its threads and 1.1 s (2.8 s) without; the d-vectors are bit-identical
    (tests/test_separation.py). threadpoolctl sets the limit for this call only."""
    from threadpoolctl import threadpool_limits

    return threadpool_limits(1, user_api="blas")


def _sigmoid(x: np.ndarray) -> np.ndarray:
    return 0.5 * (1.0 + np.tanh(0.5 * x))


def mel_filterbank(*, sample_rate_hz: int = SAMPLE_RATE_HZ, n_fft: int = 400, n_mels: int = N_MELS) -> np.ndarray:
    """librosa's default mel filterbank (Slaney's mel scale, area-normalised), shape (n_mels, n_fft // 2 + 1)."""
    def hz_to_mel(f):
        f = np.asarray(f, float)
        lin = f / (200.0 / 3)
        return np.where(f >= 1000.0, 15.0 + np.log(np.maximum(f, 1e-9) / 1000.0) / (np.log(6.4) / 27.0), lin)

    def mel_to_hz(m):
        m = np.asarray(m, float)
        return np.where(m >= 15.0, 1000.0 * np.exp((np.log(6.4) / 27.0) * (m - 15.0)), m * (200.0 / 3))

    fft_f = np.linspace(0, sample_rate_hz / 2, n_fft // 2 + 1)
    mel_f = mel_to_hz(np.linspace(hz_to_mel(0.0), hz_to_mel(sample_rate_hz / 2), n_mels + 2))
    fdiff = np.diff(mel_f)
    ramps = mel_f[:, None] - fft_f[None, :]
    lower = -ramps[:-2] / fdiff[:-1, None]
    upper = ramps[2:] / fdiff[1:, None]
    weights = np.maximum(0, np.minimum(lower, upper))
    weights *= (2.0 / (mel_f[2:n_mels + 2] - mel_f[:n_mels]))[:, None]
    return weights.astype(np.float32)


def mel_power(samples: np.ndarray, fb: np.ndarray, *, n_fft: int = 400, hop: int = 160) -> np.ndarray:
    """Mel power spectrogram as librosa.feature.melspectrogram computes it (centred frames, zero
    padding, periodic Hann window, power 2), frames as rows."""
    x = np.concatenate([np.zeros(n_fft // 2, np.float32), np.asarray(samples, np.float32), np.zeros(n_fft // 2, np.float32)])
    n = 1 + (len(x) - n_fft) // hop
    window = (0.5 - 0.5 * np.cos(2 * np.pi * np.arange(n_fft) / n_fft)).astype(np.float32)
    out = np.empty((max(n, 0), fb.shape[0]), np.float32)
    step = 8192
    for a in range(0, n, step):
        b = min(n, a + step)
        idx = (np.arange(a, b) * hop)[:, None] + np.arange(n_fft)[None, :]
        spec = np.abs(np.fft.rfft(x[idx] * window, n_fft)) ** 2
        out[a:b] = spec @ fb.T
    return out


__all__ = ["SAMPLE_RATE_HZ", "TARGET_DBFS", "WEIGHTS_SHA256", "VoiceEncoder", "find_weights", "load_weights", "shared_encoder", "mel_filterbank", "mel_power"]
