"""Mono-call separation: a held-out check of k and the d' merge rule (issue 13).

k = 6 and d' 4 were set on the mixes of benchmarks/separation.py, so their DER there is not an
independent estimate. Here:

1. NEW mono mixes whose customers (and, in two, agents) are real Mandarin speakers not used to
   choose k or d': the TTS agent with other real customers, and a real agent with real customers
   of other sources, at 16 kHz and 8 kHz. DER (same definition:
   :func:`voicecoach.conversation.separate.diarization_error_rate` against each track's own
   speech decision from the stereo analysis) and whether the split is called confident, with the
   SHIPPED settings.
2. Leave one mix out over old + new mixes: k in 2..8 and d' in 3..6 chosen on the others (lowest
   mean DER), scored on the mix left out.
3. The agent's figures (active level, pace: median syllable rate of the nuclei over the
   pace-matching exchanges, talk ratio, median latency) mono against stereo on the new mixes.

Window embeddings, speech decision and reference of each mix are cached in
benchmarks/cache/separation_heldout/ (git-ignored), so a rerun only re-clusters.

    python benchmarks/separation_heldout.py
    # writes benchmarks/results/separation_heldout.md and the "Held-out check" section of separation.md
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from benchmarks.separation_eval import Mix, mixes, shared_audio  # noqa: E402
from tests.conversation_calls import SR, Clip, _Builder, _script, load_real_clip, to_rate  # noqa: E402
from voicecoach.audio import NARROW_RATE_HZ, Audio, audio_from_array, resample  # noqa: E402
from voicecoach.audio.activity import compute_activity  # noqa: E402
from voicecoach.conversation import analyze_call, call_from_arrays  # noqa: E402
from voicecoach.conversation.analyze import confident_speech  # noqa: E402
from voicecoach.conversation.separate import diarization_error_rate, mono_call_from_array  # noqa: E402
from voicecoach.measures.embed import shared_encoder  # noqa: E402
from voicecoach.measures.p56 import active_level  # noqa: E402
from voicecoach.measures.voices import VoiceSettings, encoder_embeddings, split_voices, window_starts  # noqa: E402

CACHE = ROOT / "benchmarks" / "cache" / "separation_heldout"
KS = range(2, 9)
DPRIMES = (3.0, 4.0, 5.0, 6.0)

TTS_HELDOUT = {  # customers for the TTS agent: real sources not among benchmarks/separation.py's
    "TTS agent, held-out customers A": ("aishell1_BAC009S0764W0121", "sensevoice_zh", "wenet_nst_ID001", "paddlespeech_zh"),
    "TTS agent, held-out customers B": ("funasrnano_far_5", "aishell1_BAC009S0724W0121", "cosyvoice_zero_shot_prompt", "wenet_nst_ID002"),
}
REAL_AGENT = {  # a real agent (one recording cut in pieces) and real customers of other sources
    "real agent (paraformer_example_2, F)": ("funasr_paraformer_example_2", ("sensevoice_zh", "aishell1_BAC009S0764W0121", "paddlespeech_zh", "wenet_nst_ID001")),
    "real agent (funasrnano_far_5, F0 155 Hz)": ("funasrnano_far_5", ("aishell1_BAC009S0724W0121", "sensevoice_zh", "cosyvoice_zero_shot_prompt", "wenet_nst_ID002")),
}
CUSTOMER_POOL = ("aishell1_BAC009S0764W0121", "wenet_nst_ID001", "paddlespeech_zh", "sensevoice_zh", "aishell1_BAC009S0724W0121",
                 "cosyvoice_zero_shot_prompt", "wenet_nst_ID002", "funasr_asr_example_zh")
MORE_AGENTS = ("funasr_paraformer_example_1", "funasrnano_rag_history", "funasrnano_rag_physics", "funasr_VAD_30s_mono_48k", "wenet_ios_demo_test")
"""Every other one-speaker real clip with at least 6 s of speech (three agent pieces of >= 2 s;
funasrnano_far_2 may hold a second voice and funasr_fsmnvad_example_0_70s several: left out)."""


def more_real_agents() -> dict:
    """Each clip of :data:`MORE_AGENTS` as the agent once, with four customers of other sources
    (the file-name prefix is the source), taken in turn from :data:`CUSTOMER_POOL`."""
    out = {}
    for i, a in enumerate(MORE_AGENTS):
        pool = [c for c in CUSTOMER_POOL if c.split("_")[0] != a.split("_")[0]]
        out[f"real agent ({a})"] = (a, tuple(pool[(i + j) % len(pool)] for j in range(4)))
    return out


def _pieces(c: Clip, n: int) -> list[Clip]:
    """A clip's speech cut into ``n`` equal pieces, 10 ms fades, 0.3 s of silence either side."""
    x = c.samples[int(c.onset_s * SR):int(c.offset_s * SR)]
    out, f, pad = [], int(0.01 * SR), np.zeros(int(0.3 * SR), np.float32)
    ramp = np.linspace(0, 1, f, dtype=np.float32)
    for part in np.array_split(x, n):
        p = part.copy()
        p[:f] *= ramp
        p[-f:] *= ramp[::-1]
        out.append(Clip(np.concatenate([pad, p, pad]), 0.3, 0.3 + len(p) / SR, 0))
    return out


def real_agent_call(audio_dir: Path, agent: str, customers: tuple[str, ...]):
    """Agent and customer alternate (agent first): gaps 0.6-0.9 s, one 5 s dead air, one 0.8 s
    overlap where the agent comes in early; the agent's recording is cut in three pieces, each
    used twice (six agent turns), the customers' four recordings once each."""
    a = _pieces(load_real_clip(audio_dir / "real" / f"{agent}.wav"), 3)
    return layout_call(a, [load_real_clip(audio_dir / "real" / f"{n}.wav") for n in customers])


def layout_call(a: list[Clip], cs: list[Clip]):
    """:func:`real_agent_call`'s layout: three agent pieces ``a`` (each used twice) and four
    customer turns ``cs``; returns the agent and customer tracks."""
    b = _Builder(120.0)
    t = b.put("agent", "A0", a[0], onset_s=0.5)
    gaps = [0.6, 0.9, -0.8, 5.0, 0.7, 0.6, 0.8, 0.9]
    order = [("customer", cs[0]), ("agent", a[1]), ("customer", cs[1]), ("agent", a[2]), ("customer", cs[2]),
             ("agent", a[0]), ("customer", cs[3]), ("agent", a[1])]
    for (side, clip), g in zip(order, gaps):
        t = b.put(side, side[0].upper(), clip, onset_s=t.offset_s + g)
    n = int((t.offset_s + 1.0) * SR)
    return b.tracks["agent"][:n], b.tracks["customer"][:n]


def new_mixes(audio_dir: Path) -> list[Mix]:
    out = []
    for name, clips in TTS_HELDOUT.items():
        cust = [(f"C {n}", load_real_clip(audio_dir / "real" / f"{n}.wav")) for n in clips]
        call = _script(audio_dir / "tts", cust)
        out += _rates(name, call.agent, call.customer)
    for name, (agent, clips) in (REAL_AGENT | more_real_agents()).items():
        out += _rates(name, *real_agent_call(audio_dir, agent, clips))
    return out


def _rates(name, a, c) -> list[Mix]:
    return [Mix(f"{name} 16 kHz", a, c, SR), Mix(f"{name} 8 kHz", to_rate(a, 8000), to_rate(c, 8000), 8000)]


def _slug(name: str) -> str:
    return "".join(ch if ch.isalnum() else "_" for ch in name)


def prepare(m: Mix) -> dict:
    """Embeddings, speech, reference and the shipped run's figures of a mix (cached on disk)."""
    path = CACHE / f"{_slug(m.name)}.npz"
    if path.exists():
        z = np.load(path, allow_pickle=False)
        return {k: z[k] for k in z.files} | {"figures": json.loads(str(z["figures_json"]))}
    stereo = analyze_call(call_from_arrays(m.agent, m.customer, sample_rate_hz=m.sample_rate_hz), pace=True)
    x = (m.agent.astype(np.float64) + m.customer).astype(np.float32)
    au = audio_from_array(x, sample_rate_hz=m.sample_rate_hz).audio
    nar = Audio(resample(au.samples, from_rate_hz=au.sample_rate_hz, to_rate_hz=NARROW_RATE_HZ), NARROW_RATE_HZ)
    act = compute_activity(au, active_level_dbov=active_level(au.samples, sample_rate_hz=au.sample_rate_hz).active_level_dbov, narrow=nar)
    speech = np.asarray(act.is_speech, bool)
    starts = window_starts(speech)
    emb = encoder_embeddings(au, speech, starts, shared_encoder())
    call = mono_call_from_array(x, sample_rate_hz=m.sample_rate_hz)  # the shipped path, end to end
    mono = analyze_call(call, pace=True)
    same = bool(np.array_equal(split_voices(emb, starts, speech, method="").labels, call.separation.labels))
    s, mo = stereo, mono
    figures = {"confident": bool(call.separation.confident), "same_labels_as_shipped_path": same,
               "agent_is_first": mono.agent_index == 0 if mono.agent_index is not None else None,
               "agent_level_db": [float(mo.agent.active_level_dbov), float(s.agent.active_level_dbov)],
               "talk_ratio": [float(mo.turns.talk_ratio), float(s.turns.talk_ratio)],
               "latency_median_s": [float(mo.turns.latency_median_s), float(s.turns.latency_median_s)],
               "n_turns": [len(mo.turns.turns), len(s.turns.turns)], "n_dead_air": [len(mo.turns.dead_air), len(s.turns.dead_air)],
               "agent_pace_cps": [_agent_pace(mo), _agent_pace(s)], "n_exchanges": [len(mo.pace.exchanges), len(s.pace.exchanges)]}
    d = {"emb": emb, "starts": starts, "speech": speech, "ref0": confident_speech(stereo.agent.activity),
         "ref1": confident_speech(stereo.customer.activity), "figures_json": np.array(json.dumps(figures))}
    CACHE.mkdir(parents=True, exist_ok=True)
    np.savez_compressed(path, **d)
    return d | {"figures": figures}


def _agent_pace(analysis) -> float:
    """The agent's median syllable rate over the pace-matching exchanges (nuclei), syll/s."""
    r = [e.agent_rate_cps for e in analysis.pace.exchanges if np.isfinite(e.agent_rate_cps)]
    return float(np.median(r)) if r else float("nan")


def der(d: dict, k: int, dprime: float) -> tuple[float, bool]:
    st = VoiceSettings(n_clusters=k, min_separation=dprime)
    s = split_voices(d["emb"], d["starts"], d["speech"], method="", settings=st)
    return diarization_error_rate((d["ref0"], d["ref1"]), (s.mask(0), s.mask(1))), s.confident


def choose(table: dict, left_out: str, grid: list) -> tuple:
    """The setting with the lowest mean DER over every mix but ``left_out`` (ties: the first in
    ``grid``, i.e. the smallest k, then the smallest d'; the shipped setting gets no preference)."""
    others = [n for n in table if n != left_out]
    mean = {g: float(np.mean([table[o][g][0] for o in others])) for g in grid}
    return min(grid, key=lambda g: (round(mean[g], 12), grid.index(g)))


def write_section(lines: list[str], path: Path) -> None:
    """Replace (or add) the "## Held-out check" section at the end of separation.md."""
    text = path.read_text(encoding="utf-8") if path.exists() else ""
    head = text.split(SECTION)[0].rstrip("\n")
    path.write_text(head + "\n\n" + SECTION + "\n\n" + "\n".join(lines) + "\n", encoding="utf-8")


SECTION = "## Held-out check"


def main() -> int:
    audio = shared_audio()
    old, new = mixes(audio), new_mixes(audio)
    data = {}
    for m in old + new:
        data[m.name] = prepare(m)
        print(m.name, "ready", flush=True)
    grid = [(k, dp) for k in KS for dp in DPRIMES]
    table = {n: {g: der(d, *g) for g in grid} for n, d in data.items()}
    ship = (VoiceSettings().n_clusters, VoiceSettings().min_separation)
    new_names = [m.name for m in new]
    lines = ["# Mono calls: held-out check of k and the d' merge rule", "",
             "From `python benchmarks/separation_heldout.py` (embeddings cached in benchmarks/cache/separation_heldout/).",
             "DER as in separation.md (0.25 s collar, overlap counted, against each track's own speech decision).",
             f"Shipped: k = {ship[0]}, d' {ship[1]:g}, cosine < {VoiceSettings().max_similarity}.", "",
             "## New mixes (not used to choose k or d'), shipped settings", "",
             "| mono mix | DER | confident | agent found | agent level mono / stereo | agent pace mono / stereo (exchanges) | talk ratio mono / stereo | median latency mono / stereo | turns mono / stereo |",
             "|---|---|---|---|---|---|---|---|---|"]
    for n in new_names:
        e, conf = table[n][ship]
        f = data[n]["figures"]
        lines.append(f"| {n} | {e:.1%} | {'yes' if conf else 'no'} | {'yes' if f['agent_is_first'] else 'no'} | "
                     f"{f['agent_level_db'][0]:.1f} / {f['agent_level_db'][1]:.1f} dBov | "
                     f"{f['agent_pace_cps'][0]:.2f} / {f['agent_pace_cps'][1]:.2f} syll/s ({f['n_exchanges'][0]} / {f['n_exchanges'][1]}) | {f['talk_ratio'][0]:.2f} / {f['talk_ratio'][1]:.2f} | "
                     f"{f['latency_median_s'][0]:.2f} / {f['latency_median_s'][1]:.2f} s | {f['n_turns'][0]} / {f['n_turns'][1]} |")
        assert f["same_labels_as_shipped_path"], n
    ders = [table[n][ship][0] for n in new_names]
    bad = [n for n in new_names if table[n][ship][1] and table[n][ship][0] > 0.10]
    lines += ["", "Called confident with a DER over 10 % (a confident split that is wrong in part): "
              + (", ".join(bad) if bad else "none") + "."]
    lines += ["", f"Median DER on the {len(new_names)} new mixes: {np.median(ders):.1%} (max {max(ders):.1%}); "
              f"confident on {sum(table[n][ship][1] for n in new_names)} of {len(new_names)}.", "",
              "## Leave one mix out (old + new)", "",
              "For each mix, k in 2..8 and d' in {3, 4, 5, 6} chosen on the other mixes (lowest mean DER; ties: the smallest",
              "k, then the smallest d'; the shipped setting gets no preference), then scored on the mix left out.", "",
              "| left out | chosen k, d' | DER held out | DER shipped (k 6, d' 4) |", "|---|---|---|---|"]
    names = list(data)
    held, shipped = [], []
    for n in names:
        g = choose(table, n, grid)
        held.append(table[n][g][0])
        shipped.append(table[n][ship][0])
        lines.append(f"| {n} | {g[0]}, {g[1]:g} | {held[-1]:.1%} | {shipped[-1]:.1%} |")
    all_mean = {g: np.mean([table[o][g][0] for o in names]) for g in grid}
    lines += ["", f"Mean DER held out: {np.mean(held):.1%} (median {np.median(held):.1%}); shipped setting on the same mixes: "
              f"{np.mean(shipped):.1%} (median {np.median(shipped):.1%}).", "",
              "Mean DER over all mixes per setting (rows k, columns d'):", "",
              "| k | " + " | ".join(f"d' {dp:g}" for dp in DPRIMES) + " |", "|---|" + "---|" * len(DPRIMES)]
    for k in KS:
        lines.append(f"| {k} | " + " | ".join(f"{all_mean[(k, dp)]:.1%}" for dp in DPRIMES) + " |")
    out = ROOT / "benchmarks" / "results" / "separation_heldout.md"
    out.write_text("\n".join(lines) + "\n", encoding="utf-8")
    body = [ln.replace("## ", "### ", 1) if ln.startswith("## ") else ln for ln in lines[2:]]
    write_section(body, ROOT / "benchmarks" / "results" / "separation.md")
    print("\n".join(lines))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
