"""The dimension registry: a dimension registered in one place appears in scoring, report.json,
the page, the charts, the result store, the export and the QA summary; bad declarations are refused."""

from __future__ import annotations

import csv
import json
import sqlite3
from dataclasses import dataclass

import jsonschema
import pytest

from synth import SR, FakeRecognizer, utterance
from voicecoach.judge import dimensions
from voicecoach.analysis import analyze
from voicecoach.judge.dimensions import Chart, Criterion, Dimension, Figure, registered_for
from voicecoach.errors import InputError
from voicecoach.report.jsonio import REPORT_SCHEMA_VERSION, migrate_report, schema_path
from voicecoach.judge.scoring import judge, not_measured
from voicecoach.judge.targets import load_targets

BUILT_IN = ("pace", "pauses", "volume", "pitch", "articulation", "drawl", "wording")


@dataclass(frozen=True)
class Headroom:
    headroom_db: float

    def to_dict(self) -> dict:
        return {"headroom_db": round(self.headroom_db, 2)}


def _judge_headroom(r, m, t):
    peak = m.loudness.peak_dbfs
    if peak <= -100:
        return not_measured(r, t, "no signal")
    return judge(r, {"headroom.headroom_db": -peak}, t)


def headroom(min_db: float = 1.0) -> Dimension:
    """A seventh dimension, declared in this one place: how far the peaks stay below full scale."""
    return Dimension(
        name="headroom",
        label={"zh": "余量", "en": "Headroom"},
        rule={"zh": "测试规则 §1", "en": "test rule §1"},
        headline="headroom.headroom_db",
        judge=_judge_headroom,
        measures=lambda a: Headroom(-a.loudness.peak_dbfs),
        figures=(Figure("headroom_db", "headroom_db", "dB", "headroom.headroom_db"),),
        criteria=(Criterion("headroom.headroom_db", "no_headroom", "within", {"zh": "峰值余量", "en": "peak headroom"}),),
        tips={"within": {"zh": "峰值离满幅还有余量。", "en": "Your peaks stay clear of full scale."},
              "no_headroom": {"zh": "峰值几乎到满幅：把增益调低。", "en": "Your peaks reach full scale: turn the gain down."}},
        verdicts={"no_headroom": {"zh": "没有余量", "en": "no headroom"}},
        chart=Chart(),
        targets={"headroom_db": {"min": min_db, "falloff": 6.0, "unit": "dB", "reason": "a test of the registry", "source": "tests/test_registry.py"}},
        weight=0.1,
    )


def _check_verdicts_now() -> None:
    """The session's verdict check (conftest) runs after the test, when the dimension is gone:
    check the analyses made so far while it is registered instead."""
    import conftest
    import verdict_rules

    made, conftest._MADE[:] = list(conftest._MADE), []
    assert made and [p for a in made for p in verdict_rules.contradictions(a)] == []


@pytest.fixture()
def analysed():
    sp = utterance([6, 7, 6], pause_s=[0.5, 0.5], f0_hz=190)
    return lambda: analyze(sp.samples, sample_rate_hz=SR, recognizer=FakeRecognizer(sp.chars), use_cache=False, lang="en")


def test_the_built_in_dimensions_in_report_order():
    assert dimensions.names() == BUILT_IN
    t = load_targets()
    for d in dimensions.registered():
        assert t[d.headline] and all(t[c.key] for c in d.criteria if not c.key.endswith(".n_dead_air")), d.name
        assert d.headline_figure is not None and d.headline_figure.target == d.headline, d.name
    assert len({f.key for _, f in dimensions.figures()}) == len(dimensions.figures()) == 18


def test_a_dimension_registered_in_one_place_reaches_every_output(analysed, tmp_path):
    from voicecoach.qa.inputs import Job
    from voicecoach.qa.work import result_row
    from voicecoach.qa.export import export
    from voicecoach.report import write_report
    from voicecoach.report.charts import summary_figure
    from voicecoach.qa.store import Store
    from voicecoach.qa.summary import write_summary

    with registered_for(headroom(min_db=60.0)):  # a band no recording meets: a verdict and a tip to find
        assert dimensions.names() == BUILT_IN + ("headroom",)
        a = analysed()
        d = a.dimension("headroom")
        assert d.verdict == "no_headroom" and 0 <= d.score < 100 and d.tip.startswith("Your peaks reach full scale")
        assert "headroom" in a.overall.weights

        report = a.to_dict()
        assert report["schema_version"] == REPORT_SCHEMA_VERSION
        jsonschema.validate(report, json.loads(schema_path().read_text(encoding="utf-8")))
        assert report["summary"]["verdicts"]["headroom"] == "no_headroom"
        entry = next(x for x in report["dimensions"] if x["name"] == "headroom")
        value = -a.loudness.peak_dbfs
        assert entry["figures"] == {"headroom_db": {"value": pytest.approx(value, abs=0.005), "unit": "dB"}}
        assert report["measures"]["headroom"]["headroom_db"] == pytest.approx(value, abs=0.005)

        files = write_report(a, tmp_path / "r.report")
        page = files.html.read_text(encoding="utf-8")
        assert 'id="dim-headroom"' in page and "Headroom" in page and "no headroom" in page and "peak headroom" in page
        assert len(summary_figure(a, lang="en").axes) == 8

        store = Store(tmp_path / "qa.sqlite")
        row, sentences = result_row(Job("calls/a.wav", call_id="C1", agent_id="A01", call_date="2026-11-20"), "k1", "f", "s",
                                    {"status": "done", "report": report})
        store.put(row, sentences)
        stored = store.rows()[0]
        assert stored["headroom_verdict"] == "no_headroom" and stored["headroom_db"] == pytest.approx(value, abs=0.005)
        with sqlite3.connect(tmp_path / "qa.sqlite") as con:  # rows, not a new column
            assert con.execute("SELECT value, unit FROM figures WHERE figure = 'headroom_db'").fetchall() == [(pytest.approx(value, abs=0.005), "dB")]
            assert "headroom_db" not in {r[1] for r in con.execute("PRAGMA table_info(results)")}

        export(store, tmp_path / "calls.csv")
        with open(tmp_path / "calls.csv", encoding="utf-8-sig") as f:
            exported = list(csv.DictReader(f))[0]
        assert exported["headroom_verdict"] == "no_headroom" and float(exported["headroom_db"]) == pytest.approx(value, abs=0.005)
        assert float(exported["headroom_score"]) == pytest.approx(d.score, abs=0.1)

        summary = write_summary(store, tmp_path / "summary", lang="en").read_text(encoding="utf-8")
        assert "<th>Headroom</th>" in summary and "Headroom: no headroom" in summary
        _check_verdicts_now()

    # gone again: nothing of it is left in the registry or the targets
    assert dimensions.names() == BUILT_IN
    assert not any(k.startswith("headroom.") for k in load_targets().items) and "headroom" not in load_targets().weights
    assert "headroom" not in [d.name for d in analysed().dimensions]


def test_a_stored_dimension_no_longer_registered_still_reads_back(tmp_path):
    from voicecoach.qa.store import Store

    with registered_for(headroom()):
        store = Store(tmp_path / "qa.sqlite")
        store.put({"key": "k1", "file_sha256": "f", "settings_sha256": "s", "path": "a.wav", "status": "done",
                   "headroom_score": 80.0, "headroom_verdict": "within", "headroom_db": 3.0, "pace_verdict": "within"})
    row = Store(tmp_path / "qa.sqlite").rows()[0]
    assert (row["headroom_verdict"], row["headroom_db"], row["pace_verdict"]) == ("within", 3.0, "within")


def test_bad_declarations_are_refused():
    good = headroom()
    with registered_for(good):
        with pytest.raises(ValueError, match="already registered"):
            dimensions.register(good)
    import dataclasses

    cases = {
        "already belong": dataclasses.replace(good, figures=(Figure("speaking_rate_cps", "x", "dB"),)),
        "must start with 'headroom.'": dataclasses.replace(good, headline="volume.snr_db"),
        "needs zh and en": dataclasses.replace(good, label={"en": "Headroom"}),
        "tip for the verdict 'within'": dataclasses.replace(good, tips={"no_headroom": good.tips["no_headroom"]}),
        "lower-case identifier": dataclasses.replace(good, name="Head room"),
        "applies_to must name": dataclasses.replace(good, applies_to=("phone",)),
        "applies_to must name one": dataclasses.replace(good, applies_to=()),
    }
    for message, bad in cases.items():
        with pytest.raises(ValueError, match=message):
            dimensions.register(bad)
    assert dimensions.names() == BUILT_IN


def test_a_1_1_report_migrates_to_the_current_schema(analysed):
    current = analysed().to_dict()
    old = {**current, "schema_version": "1.1", "dimensions": [{k: v for k, v in x.items() if k != "figures"} for x in current["dimensions"]]}
    assert migrate_report(old) == current
    assert migrate_report(current) is current
    with pytest.raises(InputError, match="upgrade voicecoach"):
        migrate_report({**current, "schema_version": "2.0"})


def test_a_call_only_dimension_stays_off_single_sided_takes(analysed, tmp_path):
    """A dimension declared with applies_to=("call",) (like the built-in "conversation") adds
    nothing to a take: no card, chart row, report.json section, store value or export column."""
    import dataclasses

    from voicecoach.qa.export import columns, export
    from voicecoach.qa.inputs import Job
    from voicecoach.qa.store import Store
    from voicecoach.qa.work import result_row
    from voicecoach.report import write_report
    from voicecoach.report.charts import summary_figure

    assert "conversation" in dimensions.names(None) and "conversation" in dimensions.names("call")
    assert dimensions.get("conversation").weight is None and "conversation" not in load_targets().weights
    with registered_for(dataclasses.replace(headroom(min_db=60.0), applies_to=("call",))):
        assert dimensions.names() == BUILT_IN and dimensions.names("call") == ("conversation", "headroom")
        a = analysed()
        assert [d.name for d in a.dimensions] == list(BUILT_IN) and "headroom" not in a.overall.weights
        report = a.to_dict()
        assert [x["name"] for x in report["dimensions"]] == list(BUILT_IN) and not {"headroom", "conversation"} & set(report["measures"])
        assert len(summary_figure(a, lang="en").axes) == len(BUILT_IN)
        page = write_report(a, tmp_path / "r.report").html.read_text(encoding="utf-8")
        assert 'id="dim-headroom"' not in page and 'id="dim-conversation"' not in page
        store = Store(tmp_path / "qa.sqlite")
        store.put(*result_row(Job("a.wav", call_id="C1"), "k1", "f", "s", {"status": "done", "report": report}))
        export(store, tmp_path / "takes.csv")
        with open(tmp_path / "takes.csv", encoding="utf-8-sig") as f:
            header = next(csv.reader(f))
        assert header == columns() and not [h for h in header if h.startswith(("headroom", "conversation")) or h in ("talk_ratio", "n_dead_air")]
        assert "headroom_db" in columns(("take", "call"))
        _check_verdicts_now()
