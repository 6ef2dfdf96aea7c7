"""The listening queue ranks what a QA lead must hear and says why each call is there."""

from __future__ import annotations

from voicecoach.judge import dimensions
from voicecoach.qa.queue import LOW_SCORE, listening_queue, reasons


def row(call, score=90.0, status="done", **verdicts):
    r = {"call_id": call, "status": status, "overall_score": score if status == "done" else None, "error_message": None}
    for d in dimensions.names():
        r[f"{d}_verdict"] = verdicts.get(d, "within")
    return r


def test_each_reason_is_found_and_named():
    assert reasons(row("ok")) == ()
    assert [r.code for r in reasons(row("quiet", volume="too_quiet"))] == ["out_of_band"]
    assert reasons(row("quiet", volume="too_quiet"))[0].dimensions == ("volume",)
    assert [r.code for r in reasons(row("silent", pauses="dead_air"))] == ["dead_air"]
    assert [r.code for r in reasons(row("unsure", pace="uncertain", drawl="uncertain"))] == ["uncertain"]
    assert reasons(row("unsure", pace="uncertain", drawl="uncertain"))[0].dimensions == ("pace", "drawl")
    assert [r.code for r in reasons(row("low", score=LOW_SCORE - 1))] == ["low_score"]
    bad = {**row("bad", status="error"), "error_message": "bad.wav is damaged"}
    assert [(r.code, r.detail) for r in reasons(bad)] == [("failed", "bad.wav is damaged")]


def test_the_queue_puts_what_must_be_heard_before_a_low_score():
    rows = [row("fine"), row("low", score=40.0, volume="too_loud"), row("dead", score=85.0, pauses="dead_air"),
            row("unsure", score=95.0, pace="uncertain"), {**row("broken", status="error"), "error_message": "corrupt"},
            row("slightly", score=80.0, pitch="monotone")]
    q = listening_queue(rows)
    assert [e.row["call_id"] for e in q] == ["broken", "dead", "low", "unsure", "slightly"]  # "fine" has no reason to be heard
    assert q[2].priority >= q[3].priority  # a low score out of band ranks with one uncertain figure (then by score)
    assert all(e.reasons for e in q)


def test_among_equal_reasons_the_lower_score_comes_first():
    q = listening_queue([row("a", score=70.0, volume="too_quiet"), row("b", score=50.0, volume="too_quiet"), row("c", score=65.0, volume="too_quiet")], n=2)
    assert [e.row["call_id"] for e in q] == ["b", "c"]


def test_two_voices_on_one_channel_is_read_from_a_stored_flag():
    import json

    assert [r.code for r in reasons({**row("two"), "two_voices": True})] == ["two_voices"]
    assert [r.code for r in reasons({**row("two"), "extra": json.dumps({"two_voices": "1", "team": "north"})})] == ["two_voices"]
    assert reasons({**row("one"), "extra": json.dumps({"team": "north"})}) == ()
    q = listening_queue([row("low", score=40.0), {**row("two", score=95.0), "two_voices": 1}])
    assert [e.row["call_id"] for e in q] == ["two", "low"]


def test_a_failed_file_comes_before_a_low_score_with_every_dimension_out_of_band():
    """Additive weights alone would put a call with a low score and six dimensions out of band
    (1.5 + 6 x 0.5 = 4.5) before a failed file (4.0); the page promises the failed file first."""
    worst = row("worst", score=20.0, pace="too_fast", pauses="long_pauses", volume="too_quiet", pitch="monotone", articulation="unclear", drawl="drawled")
    q = listening_queue([worst, {**row("broken", status="error"), "error_message": "corrupt"}])
    assert [e.row["call_id"] for e in q] == ["broken", "worst"]
    assert q[1].priority > q[0].priority  # the case that the weights alone would get wrong
