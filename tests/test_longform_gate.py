"""A real-length recording keeps all its speech (benchmarks/longform.py at 5 minutes, in CI).

The short-clip gates cannot see a decoding window that stops early or a repetition loop that
takes the words before it: this builds a 5-minute recording from every clip of
../shared/audio with a known text (the hard ones included) and checks the whole transcript.
The 10- and 30-minute runs and the speed gate are in the benchmark (``make bench-longform``).
"""

from __future__ import annotations

import sys

import pytest

from conftest import ROOT

sys.path.insert(0, str(ROOT / "benchmarks"))


@pytest.mark.model
@pytest.mark.slow
def test_five_minute_recording_keeps_its_speech(shared_audio, whisper):
    from longform import GATES, load_clips, run_length

    r = run_length(load_clips(shared_audio), 5, 7, whisper.inner)
    assert r["n_ref"] > 900
    assert abs(r["count_err"]) <= GATES["count_err_max"], r
    assert r["coverage"] >= GATES["coverage_min"], r
    assert r["cer"] < 0.35, r
    assert r["pace_verdict"] != "too_slow", r  # truly about 3.4 syllables/s over the speech span
