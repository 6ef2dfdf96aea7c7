"""The two-voices detector on single-speaker recordings and on two-speaker joins of them.

Single: every real clip of ../shared/audio/real and every TTS file (one voice each). Two
voices: 40 pairs of real clips from different sources (different people), up to 8 s of each
joined with 0.5 s of silence between. For each, the detector's d' (separation), windows and
verdict; then the false-alarm rate (single called two) and the miss rate (two called one).
``calibrate`` picks ``max_similarity`` leave-one-source-out: for each source, the threshold
that minimises false alarms + misses on the recordings without that source, applied to those
with it.
"""

from __future__ import annotations

import csv
import itertools
import sys
from dataclasses import dataclass
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from voicecoach.audio import audio_from_array, resample  # noqa: E402
from voicecoach.audio.activity import compute_activity  # noqa: E402
from voicecoach.measures.p56 import active_level  # noqa: E402
from voicecoach.measures.embed import shared_encoder  # noqa: E402
from voicecoach.measures.voices import METHOD, VoiceSettings, encoder_embeddings, split_voices, window_starts  # noqa: E402

SR = 16_000


@dataclass
class Case:
    name: str
    sources: tuple[str, ...]
    two: bool
    speech: np.ndarray
    starts: np.ndarray
    embeddings: np.ndarray

    def split(self, settings: VoiceSettings = VoiceSettings()):
        """What :func:`two_voices_likely` decides with these settings (the embeddings are computed once)."""
        return split_voices(self.embeddings, self.starts, self.speech, method=METHOD, settings=settings)


def load_clips(audio_dir: Path) -> dict[str, tuple[np.ndarray, str]]:
    import soundfile as sf

    clips = {}
    for row in csv.DictReader(open(audio_dir / "real" / "manifest.csv", encoding="utf-8")):
        x, sr = sf.read(str(audio_dir / "real" / row["file"]), dtype="float32")
        x = x.mean(axis=1) if x.ndim > 1 else x
        src = row["source_repo"] + "|" + row["data_origin"][:20]
        if "several" in row["speakers"] or "1-2" in row["speakers"]:
            continue  # not known to be one voice
        clips[row["file"]] = (resample(x, from_rate_hz=sr, to_rate_hz=SR) if sr != SR else x, src)
    for f in sorted((audio_dir / "tts").glob("*.wav")):
        x, sr = sf.read(str(f), dtype="float32")
        clips[f.name] = (resample(x, from_rate_hz=sr, to_rate_hz=SR) if sr != SR else x, "tts " + f.name.split("_")[0])
    return clips


def embed(x: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    au = audio_from_array(x, sample_rate_hz=SR).audio
    act = compute_activity(au, active_level_dbov=active_level(au.samples, sample_rate_hz=SR).active_level_dbov)
    starts = window_starts(act.is_speech)
    return act.is_speech, starts, encoder_embeddings(au, act.is_speech, starts, shared_encoder())


def cases(audio_dir: Path, *, n_pairs: int = 40) -> list[Case]:
    """Every single-speaker recording and ``n_pairs`` joins, embedded once."""
    clips = load_clips(audio_dir)
    out = []
    for name, (x, src) in clips.items():
        out.append(Case(name, (src,), False, *embed(x)))
    real = [n for n in clips if not clips[n][1].startswith("tts")]
    pairs = [(a, b) for a, b in itertools.combinations(real, 2) if clips[a][1] != clips[b][1]]
    np.random.default_rng(1).shuffle(pairs)
    for a, b in pairs[:n_pairs]:
        x = np.concatenate([clips[a][0][:8 * SR], np.zeros(SR // 2, np.float32), clips[b][0][:8 * SR]])
        out.append(Case(f"{a} + {b}", (clips[a][1], clips[b][1]), True, *embed(x)))
    return out


def verdict(c: Case, threshold: float) -> bool:
    """The detector's call with ``max_similarity`` set to ``threshold``."""
    return c.split(VoiceSettings(max_similarity=float(threshold))).confident


def rates(cs: list[Case], threshold: float) -> tuple[float, float, int, int]:
    single = [c for c in cs if not c.two]
    two = [c for c in cs if c.two]
    fa = sum(verdict(c, threshold) for c in single)
    miss = sum(not verdict(c, threshold) for c in two)
    return fa / max(1, len(single)), miss / max(1, len(two)), len(single), len(two)


def calibrate(cs: list[Case], grid=np.arange(0.70, 1.001, 0.01)) -> list[tuple[str, float, int, int, int, int]]:
    """Leave one source out: (source, threshold chosen without it, false alarms, singles, misses, pairs) on its recordings."""
    sources = sorted({s for c in cs for s in c.sources})
    out = []
    for s in sources:
        train = [c for c in cs if s not in c.sources]
        test = [c for c in cs if s in c.sources]
        best = min(grid, key=lambda t: sum(verdict(c, t) != c.two for c in train))
        fa = sum(verdict(c, best) for c in test if not c.two)
        miss = sum(not verdict(c, best) for c in test if c.two)
        out.append((s, float(best), fa, sum(not c.two for c in test), miss, sum(c.two for c in test)))
    return out


if __name__ == "__main__":
    import os

    audio = Path(os.environ.get("VOICECOACH_SHARED_AUDIO", ROOT.parent.parent / "shared" / "audio"))
    cs = cases(audio)
    for c in cs:
        r = c.split()
        print(f"{'two' if c.two else 'one'} d'={r.separation:5.2f} windows={r.n_windows:3d} share={r.share_of_second_voice:.2f} {r.confident} {c.name}")
    import pickle
    pickle.dump(cs, open("/tmp/det_cases.pkl", "wb"))
    for row in calibrate(cs):
        print(row)
    print("at the default:", rates(cs, VoiceSettings().max_similarity))
