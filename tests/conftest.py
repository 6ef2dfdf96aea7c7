"""Shared fixtures: evaluation audio location, the real model, an isolated cache."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SHARED_AUDIO = Path(os.environ.get("VOICECOACH_SHARED_AUDIO", ROOT.parent / "shared" / "audio"))
SAMPLES = ROOT / "samples"
sys.path.insert(0, str(Path(__file__).parent))


@pytest.fixture(autouse=True, scope="session")
def _isolated_cache(tmp_path_factory):
    """Transcript cache and checksum memos in a temporary folder (models stay in models/)."""
    old = os.environ.get("VOICECOACH_CACHE_DIR")
    os.environ["VOICECOACH_CACHE_DIR"] = str(tmp_path_factory.mktemp("vc-cache"))
    yield
    if old is None:
        os.environ.pop("VOICECOACH_CACHE_DIR", None)
    else:
        os.environ["VOICECOACH_CACHE_DIR"] = old


@pytest.fixture(scope="session")
def shared_audio() -> Path:
    if not (SHARED_AUDIO / "real" / "manifest.csv").exists():
        pytest.skip(f"evaluation audio not found at {SHARED_AUDIO} (set VOICECOACH_SHARED_AUDIO)")
    return SHARED_AUDIO


@pytest.fixture(scope="session")
def whisper():
    """The real bundled Whisper base model, loaded once for the session."""
    from voicecoach.transcribe import CachedTranscriber, WhisperTranscriber

    t = WhisperTranscriber("base")
    t.load()
    return CachedTranscriber(t)
