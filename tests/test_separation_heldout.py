"""benchmarks/separation_heldout.py: the leave-one-mix-out chooser, the agent cut into pieces
and the section it writes into separation.md (known answers; no audio, no encoder)."""

from __future__ import annotations

import numpy as np

from benchmarks.separation_heldout import SECTION, _pieces, choose, write_section
from tests.conversation_calls import SR, Clip


def test_choose_never_looks_at_the_mix_left_out():
    grid = [(2, 3.0), (6, 4.0)]
    table = {"a": {(2, 3.0): (0.30, True), (6, 4.0): (0.05, True)},
             "b": {(2, 3.0): (0.20, True), (6, 4.0): (0.10, True)},
             "out": {(2, 3.0): (0.00, True), (6, 4.0): (0.90, True)}}
    assert choose(table, "out", grid) == (6, 4.0)  # "out" alone would pick (2, 3)
    assert choose(table, "a", grid) == (2, 3.0)  # b and out: mean 0.10 against 0.50


def test_choose_breaks_ties_by_grid_order_not_by_the_shipped_setting():
    grid = [(5, 3.0), (6, 4.0)]
    table = {n: {g: (0.1, True) for g in grid} for n in ("a", "b", "c")}
    assert choose(table, "a", grid) == (5, 3.0)


def test_pieces_hold_the_speech_in_order():
    x = np.random.default_rng(0).uniform(-0.5, 0.5, SR * 3).astype(np.float32)
    c = Clip(np.concatenate([np.zeros(SR // 2, np.float32), x, np.zeros(SR // 2, np.float32)]), 0.5, 3.5, 0)
    parts = _pieces(c, 3)
    f = int(0.01 * SR)
    inner = [p.samples[int(p.onset_s * SR):int(round(p.offset_s * SR))] for p in parts]
    assert sum(len(i) for i in inner) == len(x)
    np.testing.assert_array_equal(inner[1][f:-f], x[SR + f:2 * SR - f])  # fades only at the cuts
    assert all(abs(p.samples[0]) == 0 and abs(p.samples[-1]) == 0 for p in parts)


def test_section_is_replaced_not_repeated(tmp_path):
    p = tmp_path / "separation.md"
    p.write_text("# head\n\nbody\n", encoding="utf-8")
    write_section(["first"], p)
    write_section(["second"], p)
    text = p.read_text(encoding="utf-8")
    assert text.count(SECTION) == 1 and "second" in text and "first" not in text and text.startswith("# head\n\nbody\n")
