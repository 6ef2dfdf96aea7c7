"""Trainer mode's syllable alignment puts a left-out stretch on sentence boundaries."""

import numpy as np

from voicecoach.trainer.align import _slide_gaps


def test_gap_slides_right_onto_the_left_out_sentence():
    # benchmark sentences "ABx" "xCDx" "E"; the trainee said "ABxE". The edit distance is the same
    # whichever x it keeps; the left-out sentence is the second one.
    tb, starts = list("ABxxCDxE"), {0, 3, 7, 8}
    placed_early = np.array([0, 1, -1, -1, -1, -1, 2, 3])
    assert _slide_gaps(placed_early, tb, starts).tolist() == [0, 1, 2, -1, -1, -1, -1, 3]


def test_gap_slides_left_onto_the_left_out_sentence():
    # sentences "X" "ABCD" "ABE"; the trainee said "XABE": the second sentence is the one left out
    tb, starts = list("XABCDABE"), {0, 1, 5, 8}
    placed_late = np.array([0, 1, 2, -1, -1, -1, -1, 3])
    assert _slide_gaps(placed_late, tb, starts).tolist() == [0, -1, -1, -1, -1, 1, 2, 3]


def test_gap_on_a_boundary_or_between_different_text_stays():
    tb, starts = list("ABxxCDxE"), {0, 3, 7, 8}
    on_boundary = np.array([0, 1, 2, -1, -1, -1, -1, 3])
    assert _slide_gaps(on_boundary, tb, starts).tolist() == on_boundary.tolist()
    tb2 = list("ABCDEFGH")  # no repeated text at the edges: nowhere to slide
    inside = np.array([0, 1, -1, -1, 2, 3, 4, 5])
    assert _slide_gaps(inside, tb2, {0, 3, 8}).tolist() == inside.tolist()
