"""Speech recognition behind one interface: audio in, :class:`Transcript` out.

* :mod:`~voicecoach.recognize.types`: the result types and the :class:`Recognizer` protocol;
* :mod:`~voicecoach.recognize.whisper`: the faster-whisper adapter and its settings;
* :mod:`~voicecoach.recognize.splitter`: long recordings recognised piece by piece;
* :mod:`~voicecoach.recognize.cache`: transcripts kept on disk.

:func:`build_recognizer` puts them together as configured; every shell (CLI, batch workers,
:func:`voicecoach.analyze` when given no recogniser) gets its recogniser from it.
"""

from __future__ import annotations

import os

from voicecoach.recognize.models import DEFAULT_MODEL, resolve_model
from voicecoach.recognize.cache import CachedRecognizer
from voicecoach.recognize.splitter import SplittingRecognizer
from voicecoach.recognize.types import Char, Recognizer, RecognizerSettings, Segment, Transcript
from voicecoach.recognize.whisper import WhisperRecognizer, WhisperSettings


def build_recognizer(
    model: str = DEFAULT_MODEL,
    *,
    allow_download: bool = False,
    use_cache: bool = True,
    cache_dir: str | os.PathLike | None = None,
    **settings,
) -> Recognizer:
    """The configured recogniser: Whisper ``model`` behind the long-audio splitter, and the
    transcript cache in front unless ``use_cache`` is False.

    Parameters
    ----------
    model : str
        ``"base"`` (bundled, offline), a CTranslate2 folder, or a hub name
        (:func:`voicecoach.recognize.models.resolve_model`).
    allow_download : bool
        Let a hub model be fetched over the network.
    use_cache : bool
        Keep transcripts on disk and answer from there.
    cache_dir : path-like, optional
        Where the cache lives (default ``<user cache>/transcripts``).
    **settings
        Fields of :class:`~voicecoach.recognize.whisper.WhisperSettings` to change from their
        defaults: ``language``, ``device``, ``compute_type``, ``cpu_threads``... Values left
        out keep the defaults there.

    Returns
    -------
    Recognizer
        With ``load()`` (the model is not loaded until then, or until the first recognition).

    Raises
    ------
    ModelError
        The model cannot be found, assembled or verified.
    TypeError
        A setting that :class:`WhisperSettings` does not have.
    """
    recognizer: Recognizer = SplittingRecognizer(WhisperRecognizer(resolve_model(model, allow_download=allow_download), WhisperSettings(**settings)))
    return CachedRecognizer(recognizer, cache_dir) if use_cache else recognizer


__all__ = ["build_recognizer", "Recognizer", "Transcript", "Char", "Segment", "RecognizerSettings",
           "CachedRecognizer", "SplittingRecognizer", "WhisperRecognizer", "WhisperSettings"]
