"""Shared fixtures: evaluation audio location, the real model, an isolated cache; and a check,
after every test, that no analysis the test made shows a verdict its figures contradict."""

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
    from voicecoach.recognize import build_recognizer

    r = build_recognizer()
    r.load()
    return r


# ------------------------------------------------------------------ verdicts agree with figures
# Every Analysis made in this process during the session (by analyze(), the CLI, compare, a
# fixture...) is collected when it is constructed and checked by verdict_rules.contradictions
# after the test that made it; a contradiction fails that test at teardown. Analyses made in
# other processes (batch workers) are not seen here.
import voicecoach.analysis as _analysis  # noqa: E402

_MADE: list = []
VERDICT_CHECKS = {"analyses": 0}
_plain_init = _analysis.Analysis.__init__


def _collecting_init(self, *args, **kwargs):
    _plain_init(self, *args, **kwargs)
    _MADE.append(self)


_analysis.Analysis.__init__ = _collecting_init


@pytest.fixture(scope="module")
def one_voice():
    """Leave the two-voices detector out of analyze() for a test module: its speaker encoder is
    meant for speech, and on the synthetic harmonic takes of tests/synth.py it may hear two
    voices, whose doubt would hide what a test checks. (tests/test_two_voices.py checks the
    detector in analyze().)"""
    import voicecoach.analysis

    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(voicecoach.analysis, "_voices", lambda audio, activity: None)
        yield


@pytest.fixture(autouse=True)
def _verdicts_agree_with_figures():
    yield
    import verdict_rules

    made, _MADE[:] = list(_MADE), []
    problems = []
    for a in made:
        name = Path(a.loaded.source.path).name
        problems += [f"{name}: {p}" for p in verdict_rules.contradictions(a)]
    VERDICT_CHECKS["analyses"] += len(made)
    if problems:
        pytest.fail("verdicts contradict the figures shown with them:\n  " + "\n  ".join(problems), pytrace=False)


def pytest_terminal_summary(terminalreporter):
    if VERDICT_CHECKS["analyses"]:
        terminalreporter.write_line(f"verdicts checked against their figures on {VERDICT_CHECKS['analyses']} analyses")
