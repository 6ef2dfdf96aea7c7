"""The accuracy benchmark's gates that are fast enough for CI (benchmarks/accuracy.py --quick).

The full benchmark (real clips stretched and flattened with Praat) is run by hand:
``make bench-accuracy``; its table is benchmarks/results/accuracy.md.
"""

from __future__ import annotations

import sys

import pytest

from conftest import ROOT

sys.path.insert(0, str(ROOT / "benchmarks"))


@pytest.mark.model
@pytest.mark.slow
def test_accuracy_gates(shared_audio, whisper):
    pytest.importorskip("parselmouth")
    from accuracy import Bench

    bench = Bench(shared_audio, whisper, quick=True)
    for step in (bench.counts_and_rates, bench.tts_rates, bench.levels, bench.pitch, bench.drawl, bench.monotone, bench.telephone):
        step()
    failed = [f"{g.name}: {g.value} {g.note}" for g in bench.report.gates if not g.passed]
    assert len(bench.report.gates) >= 13
    assert failed == []
