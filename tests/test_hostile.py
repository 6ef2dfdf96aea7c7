"""The hostile-input corpus through ``voicecoach analyze`` (typer's CliRunner, in process).

Every case of :mod:`hostile.corpus` is generated into ``tmp_path`` and analysed with a
burst-counting stand-in for the recogniser (the corpus tests what voicecoach does with odd
files, not what Whisper hears). The gate, for every case: no traceback, no internal error
(exit 70), no hang (a per-file alarm), the expected outcome; every error message one line,
one sentence under 200 characters (the file name not counted) that says what is wrong and,
after a semicolon, what to do; no absolute path in messages or reports.
"""

from __future__ import annotations

import json
import os
import re
import signal
from pathlib import Path

import pytest
from typer.testing import CliRunner

from conftest import ROOT
from hostile.corpus import Case, all_cases, build
from hostile.fake import BurstRecognizer

CASES = all_cases()
PER_FILE_S = 60
runner = CliRunner()


class Hang(BaseException):
    """Raised by the alarm: not an Exception, so no error boundary can swallow it."""


@pytest.fixture
def fake_recogniser(monkeypatch):
    import voicecoach.recognize as recognize

    monkeypatch.setattr(recognize, "build_recognizer", lambda *a, **k: BurstRecognizer())


def _alarm(signum, frame):
    raise Hang(f"no answer within {PER_FILE_S} s")


def run_case(case: Case, folder: Path) -> tuple[int, str, Path]:
    """Build the case's input and run ``voicecoach analyze`` on it; (exit code, output, out dir)."""
    arg = build(case, folder / "in")
    out = folder / "out"
    old = signal.signal(signal.SIGALRM, _alarm)
    signal.alarm(PER_FILE_S)
    try:
        args = [a.replace("{in}", str(folder / "in")) for a in case.args]
        res = runner.invoke(__import__("voicecoach.cli", fromlist=["app"]).app, ["analyze", arg, "--out", str(out), "--lang", "en", *args])
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, old)
    if res.exception is not None and not isinstance(res.exception, SystemExit):
        raise AssertionError(f"{case.id}: {type(res.exception).__name__}: {res.exception}") from res.exception
    return res.exit_code, res.output, out


_ABSOLUTE = re.compile(r"(?:^|[\s(=:'\"])/(?:tmp|home|root|work|usr|var|opt|mnt|srv|Users|private)/")


def check_message(case: Case, output: str, folder: Path) -> None:
    lines = [line for line in output.splitlines() if line.strip()]
    assert len(lines) == 1, f"{case.id}: expected one line, got {output!r}"
    line = lines[0]
    assert line.startswith("voicecoach: "), line
    msg = line[len("voicecoach: "):]
    assert "internal error" not in msg and "Traceback" not in msg, msg
    assert case.message.lower() in msg.lower(), f"{case.id}: {case.message!r} not in {msg!r}"
    assert str(folder) not in msg and not _ABSOLUTE.search(msg), f"{case.id}: absolute path in {msg!r}"
    names = sorted({n for _, dirs, files in os.walk(folder / "in") for n in dirs + files}, key=len, reverse=True)
    short = msg
    for n in names:
        shown = n.encode("utf-8", "surrogateescape").decode("utf-8", "replace").replace("\n", "\\n").replace("\t", "\\t")
        if len(shown) > 3:
            short = short.replace(shown, "<name>")
    short = re.sub(r"\S*…\S*", "<name>", short)
    assert len(short) <= 200, f"{case.id}: {len(short)} characters: {msg!r}"
    assert ";" in short, f"{case.id}: no advice after a semicolon: {msg!r}"
    assert not re.search(r"[.!?]\s+[A-Z]", short), f"{case.id}: more than one sentence: {msg!r}"


def check_report(case: Case, out: Path, folder: Path) -> None:
    reports = list(out.glob("*.report/report.json"))
    assert len(reports) == 1, f"{case.id}: no report written in {out}"
    text = reports[0].read_text(encoding="utf-8")
    data = json.loads(text)
    codes = {n["code"] for n in data["notices"]}
    assert set(case.notices) <= codes, f"{case.id}: notices {sorted(codes)} lack {sorted(set(case.notices) - codes)}"
    assert not set(case.absent) & codes, f"{case.id}: notices {sorted(codes)} should not hold {sorted(set(case.absent) & codes)}"
    html = (reports[0].parent / "report.html").read_text(encoding="utf-8")
    for where, body in (("report.json", text), ("report.html", html)):
        for secret in (str(folder), str(ROOT), str(Path.home()) if str(Path.home()) != "/" else str(folder)):
            assert secret not in body, f"{case.id}: {where} holds the absolute path {secret}"


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_hostile_input(case: Case, tmp_path, fake_recogniser):
    code, output, out = run_case(case, tmp_path)
    assert "Traceback" not in output, f"{case.id}: {output}"
    assert code != 70, f"{case.id}: internal error: {output}"
    assert code == case.exit_code, f"{case.id}: expected {case.expect} (exit {case.exit_code}), got exit {code}: {output.strip()[-400:]}"
    if case.expect == "report":
        check_report(case, out, tmp_path)
    else:
        check_message(case, output, tmp_path)


def test_the_corpus_is_large_and_covers_every_class():
    assert len(CASES) >= 200
    kinds = {c.expect for c in CASES}
    assert {"report", "empty", "corrupt", "unsupported", "not_found", "not_a_file", "too_short", "silent", "no_speech", "bad_channel", "too_long"} <= kinds
    for prefix in ("cut-", "wav-", "float-", "rate-", "ch8-", "name-", "video-", "device-", "fifo", "symlink-", "speech-", "stereo-phase"):
        assert any(c.id.startswith(prefix) for c in CASES), prefix


@pytest.mark.model
@pytest.mark.parametrize("kind,notices", [("quiet", {"very_quiet"}), ("noise-on-right", {"channels_differ"})])
def test_the_real_recogniser_reports_quiet_and_one_sided_speech(tmp_path, kind, notices):
    """Speech at -60 dBFS is analysed (not "silent"); speech on one channel and loud noise on
    the other is mixed with a warning, not refused."""
    import numpy as np
    import soundfile as sf

    from conftest import SAMPLES

    x, sr = sf.read(SAMPLES / "too_fast.flac", dtype="float32")
    if kind == "quiet":
        y = x / np.sqrt(np.mean(x ** 2)) * 10 ** (-60 / 20)
    else:
        y = np.stack([x, np.random.default_rng(0).standard_normal(len(x)).astype(np.float32) * 10 ** (-25 / 20)], axis=1)
    sf.write(tmp_path / "take.wav", y, sr)
    res = runner.invoke(__import__("voicecoach.cli", fromlist=["app"]).app, ["analyze", str(tmp_path / "take.wav"), "--out", str(tmp_path), "--lang", "en"])
    assert res.exit_code == 0, res.output
    data = json.loads((tmp_path / "take.report" / "report.json").read_text(encoding="utf-8"))
    assert notices <= {n["code"] for n in data["notices"]}
    assert data["summary"]["n_syllables"] > 80  # the speech was heard
