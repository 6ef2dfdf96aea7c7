"""Mono calls: speaker separation measured. Writes benchmarks/results/separation.md.

1. The two embeddings compared by diarization error rate (DER, 0.25 s collar, overlap
   counted; :func:`voicecoach.conversation.separate.diarization_error_rate`) on mono mixes:
   the constructed Mandarin calls (tests/conversation_calls.py; TTS customer and four real
   customers) at 16 and 8 kHz, and the real English two-track call summed to one channel.
   The reference is each track's own speech decision, as the stereo analysis makes it.
2. The agent's figures on each mono mix against the stereo analysis of the same tracks.
3. The two-voices detector on single-speaker clips and two-speaker joins
   (benchmarks/separation_detector.py), with the leave-one-source-out calibration.
4. Speed: a 10-minute mono call (the real call repeated) read from a file, separated and
   analysed (pace included), on this machine's 2 shared cores.

    python benchmarks/separation.py [--skip-speed]
"""

from __future__ import annotations

import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from benchmarks import separation_detector as det  # noqa: E402
from benchmarks.separation_eval import evaluate, figure_errors, mixes, real_call, shared_audio  # noqa: E402
from benchmarks.separation_signal import f0_on_grid, frame_features, signal_embeddings  # noqa: E402
from voicecoach.audio import NARROW_RATE_HZ, Audio, audio_from_array, resample  # noqa: E402
from voicecoach.audio.activity import compute_activity  # noqa: E402
from voicecoach.conversation import analyze_call, load_mono_call  # noqa: E402
from voicecoach.conversation.analyze import confident_speech  # noqa: E402
from voicecoach.conversation.separate import diarization_error_rate  # noqa: E402
from voicecoach.measures.p56 import active_level  # noqa: E402
from voicecoach.measures.voices import VoiceSettings, split_voices, window_starts  # noqa: E402


PROSE = ['## Method chosen and why', '', 'Windows of 1 s every 0.5 s over the speech; one embedding per window; k-means (k = 6, seeded', "farthest-first from the first window); the first window's cluster is voice 0 (the agent answers", "the call) and absorbs every cluster within d' 4 of it; the clusters left are voice 1 (the", 'customer, and anyone else on the line). Each speech frame takes the majority label of the', 'windows over it. Two embeddings were compared on the same mixes and the same clustering:', '', '* **signal statistics** (numpy: mean and spread of 12 mel-cepstra on the telephone band, median F0):', "  fine on the TTS calls, where the customer is the agent's voice resampled, but 20-50 % DER on the", '  real voices, and it splits one real speaker as readily as two (pairwise same/different', '  equal error rate of 1-s windows 23-31 %);', "* **Resemblyzer's d-vectors** (GE2E speaker encoder, Apache-2.0, weights from the PyPI wheel, run in", '  numpy without torch: `voicecoach/measures/embed.py`): 0.5-6 % DER, and 2-12 % pairwise EER of', '  1-1.6 s windows on the same material. Chosen. Cost: the LSTM in numpy, about 30 s per 10-minute call.', '', "k = 6 and the d' 4 merge rule were set on these mixes (k = 2 split the four real customers from", 'each other instead of from the agent), so the DER below is not an independent estimate; the', 'confidence threshold (cosine) was chosen leave one source out on the detector set, not on these', 'mixes. Overlapping speech goes to one voice, so overtalk is not measured on a mono call. The', 'independent check (new mixes, leave one mix out) is the last section, from benchmarks/separation_heldout.py.', '']


def signal_der(mix, ref) -> float:
    x = (mix.agent.astype(np.float64) + mix.customer).astype(np.float32)
    au = audio_from_array(x, sample_rate_hz=mix.sample_rate_hz).audio
    nar = Audio(resample(au.samples, from_rate_hz=au.sample_rate_hz, to_rate_hz=NARROW_RATE_HZ), NARROW_RATE_HZ)
    act = compute_activity(au, active_level_dbov=active_level(au.samples, sample_rate_hz=au.sample_rate_hz).active_level_dbov, narrow=nar)
    n = len(act.is_speech)
    feats = frame_features(au, n_frames=n, narrow=nar, f0_hz=f0_on_grid(au, n_frames=n, narrow=nar))
    starts = window_starts(act.is_speech)
    s = split_voices(signal_embeddings(feats, act.is_speech, starts), starts, act.is_speech, method="signal")
    return diarization_error_rate(ref, (s.mask(0), s.mask(1)))


def speed(audio_dir: Path, minutes: float = 10.0) -> tuple[float, float, dict]:
    import soundfile as sf

    m = real_call(audio_dir)
    one = m.agent + m.customer
    n = int(minutes * 60 * m.sample_rate_hz)
    x = np.tile(one, int(np.ceil(n / len(one))))[:n]
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "mono10.wav"
        sf.write(str(path), x, m.sample_rate_hz, subtype="PCM_16")
        t0 = time.perf_counter()
        call = load_mono_call(path)
        t1 = time.perf_counter()
        result = analyze_call(call, pace=True)
        t2 = time.perf_counter()
    return (t2 - t0) / (minutes * 60), t1 - t0, {"separation_s": t1 - t0, "analysis_s": t2 - t1, "confident": call.separation.confident,
                                                 "windows": call.separation.n_windows, "n_turns": len(result.turns.turns)}


def main() -> int:
    audio = shared_audio()
    lines = ["# Mono calls: speaker separation", "", "From `python benchmarks/separation.py`; the checks are also tests in",
             "`tests/test_separation.py`. DER: diarization error rate, 0.25 s collar, overlapping speech counted",
             "(a frame where both speak and one is found is one miss), against each track's own speech",
             "decision (the stereo analysis's), so it measures the separation, not the speech detector.", ""]
    results = []
    lines += PROSE
    lines += ["## Embeddings compared (DER on mono mixes)", "",
              "| mono mix | signal statistics (mel-cepstra + F0) | Resemblyzer d-vectors (numpy) | d-vector split confident | d' | cosine |", "|---|---|---|---|---|---|"]
    for mix in mixes(audio):
        r = evaluate(mix)
        ref = (confident_speech(r.stereo.agent.activity), confident_speech(r.stereo.customer.activity))
        sd = signal_der(mix, ref)
        sep = r.mono.separation
        lines.append(f"| {mix.name} | {sd:.1%} | {r.der:.1%} | {'yes' if r.confident else 'no'} | {sep.separation:.2f} | {sep.similarity:.2f} |")
        results.append(r)
        print(mix.name, f"signal {sd:.3f} dvec {r.der:.3f} conf {r.confident}", flush=True)
    lines += ["", "## The agent's figures, mono against stereo", "",
              "Same tracks analysed as stereo (the reference) and summed to mono, then separated; pace off.", "",
              "| mono mix | confident | agent found | turns mono / stereo | largest turn-edge error | median latency mono / stereo | overtalk mono / stereo | dead air mono / stereo | talk ratio mono / stereo |",
              "|---|---|---|---|---|---|---|---|---|"]
    for r in results:
        e = figure_errors(r)
        edge = "n/a (turn lists differ)" if not np.isfinite(e["turn_edge_max_ms"]) else f"{e['turn_edge_max_ms']:.0f} ms"
        lines.append(f"| {r.name} | {'yes' if r.confident else 'no'} | {'yes' if e['agent_is_agent'] else 'no'} | {e['n_turns'][0]} / {e['n_turns'][1]} | {edge} | "
                     f"{e['latency_median_s'][0]:.2f} / {e['latency_median_s'][1]:.2f} s | {e['overtalk_s'][0]:.2f} / {e['overtalk_s'][1]:.2f} s | "
                     f"{e['n_dead_air'][0]} / {e['n_dead_air'][1]} | {e['talk_ratio'][0]:.2f} / {e['talk_ratio'][1]:.2f} |")
    cs = det.cases(audio)
    fa, miss, n1, n2 = det.rates(cs, VoiceSettings().max_similarity)
    lines += ["", "## Two-voices detector", "",
              f"{n1} single-speaker recordings (the real clips known to hold one voice, every TTS file) and {n2} joins of two real",
              "clips from different sources (up to 8 s of each). Default settings (d' >= 4, cosine < "
              f"{VoiceSettings().max_similarity}, at least {VoiceSettings().min_windows} windows):", "",
              f"* false alarms (one voice called two): {fa:.1%} of {n1}",
              f"* misses (two voices not called): {miss:.1%} of {n2}", "",
              "Joins with fewer than 20 windows (about 10 s of speech) are never called two; the misses are those.",
              "", "Leave one source out: the cosine threshold chosen without a source, then applied to its recordings.", "",
              "| left out | threshold chosen | false alarms | singles | misses | joins |", "|---|---|---|---|---|---|"]
    for src, thr, f, ns, m, nj in det.calibrate(cs):
        lines.append(f"| {src.replace('|', ' / ')} | {thr:.2f} | {f} | {ns} | {m} | {nj} |")
    if "--skip-speed" not in sys.argv:
        rtf, _, info = speed(audio)
        lines += ["", "## Speed", "",
                  f"10-minute mono call (the real 8 kHz call repeated), read from a WAV file, separated and analysed with pace: "
                  f"**{rtf:.3f} x real time** on the 2 shared cores (separation {info['separation_s']:.1f} s, analysis {info['analysis_s']:.1f} s; "
                  f"{info['windows']} windows embedded; confident: {info['confident']})."]
        print("RTF", rtf, info)
    out = ROOT / "benchmarks" / "results" / "separation.md"
    kept = out.read_text(encoding="utf-8").split("## Held-out check") if out.exists() else [""]
    held_out = "\n## Held-out check" + kept[1] if len(kept) > 1 else ""  # written by benchmarks/separation_heldout.py
    out.write_text("\n".join(lines) + "\n" + held_out, encoding="utf-8")
    print("\n".join(lines))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
