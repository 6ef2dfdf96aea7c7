"""QA over two-sided calls: measure one call in a worker, and make its store row.

A call (a stereo recording with one side per channel, two files, or a mono recording whose two
voices are separated) is measured with :func:`voicecoach.conversation.analyze_call`; no
recognition is needed. Its figures reach the store through the dimensions registered for
calls (:func:`voicecoach.judge.dimensions.registered` with ``"call"``): one row per call, its
dimension verdicts and figures as rows of the store's own tables, like a take's.

The agent's delivery is measured too (unless ``batch --no-delivery``): the one-sided analysis
of the agent's side only, the customer's speech marked as listening. That side is a take, so
the row also holds the take dimensions (pace, volume, pitch, ...): a call row is a call *and*
a take of the agent's; the registry's ``applies_to`` stays as it is (a call-only dimension is
never measured on a take, a take dimension is measured on the agent's side of a call).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from dataclasses import dataclass
from typing import Any, Callable

from voicecoach.judge import dimensions
from voicecoach.judge.assess import assess_one
from voicecoach.qa.inputs import Job

MIX = ("", "mix", "auto")
"""Channel values that leave the agent's side to be guessed (the side that speaks first)."""


@dataclass(frozen=True)
class MeasuredCall:
    """One call measured in a worker.

    Attributes
    ----------
    call : CallAudio
        Its two sides.
    analysis : CallAnalysis
        The conversation figures.
    agent : Analysis or None
        The agent's delivery, measured on the agent's side only
        (:func:`voicecoach.conversation.agent.agent_recording`); None when not measured.
    delivery : str
        ``"done"``; ``"not_separated"`` (a mono call whose two voices were not told apart with
        confidence: no verdict on mixed speech, as the call page says); ``"left_out"``
        (``batch --no-delivery``).
    """

    call: Any
    analysis: Any
    agent: Any
    delivery: str


DELIVERY_NOTES = {
    "not_separated": "the agent's delivery is not assessed: the two voices of this mono recording could not be told apart with confidence",
    "left_out": "the agent's delivery is not assessed: the batch ran with --no-delivery",
}
"""Why a call row has no delivery scores (the report's ``delivery.note``; English, as the store's error messages)."""


def measure_call(path: str, job: dict, targets, *, deliver: Callable | None = None) -> MeasuredCall:
    """Measure one call: its conversation figures and, with ``deliver``, the agent's delivery.

    Parameters
    ----------
    path : str
        The call's recording (the agent's file of a two-file call).
    job : dict
        The batch job (``channel``, ``customer_path``).
    targets : Targets
    deliver : callable, optional
        ``deliver(recording) -> Analysis``: the one-sided delivery analysis of the agent's side
        (the worker's recogniser, targets and phrases; greeting and closing checked). None:
        no delivery (``batch --no-delivery``).

    Raises
    ------
    VoiceCoachError
        A file that cannot be read as a call (the batch stores its sentence).
    """
    from voicecoach.conversation.agent import agent_recording
    from voicecoach.conversation.analyze import analyze_call
    from voicecoach.conversation.inputs import load_stereo_call, load_two_file_call

    channel = (job.get("channel") or "mix").strip().lower()
    agent = None if channel in MIX or channel == "mono" else channel
    if job.get("customer_path"):
        call = load_two_file_call(path, job["customer_path"])
    elif channel == "mono":
        from voicecoach.conversation import load_mono_call

        call = load_mono_call(path)
    else:
        call = load_stereo_call(path, agent_channel=agent)
    a = analyze_call(call, targets=targets, pace=True)
    if deliver is None:
        return MeasuredCall(call, a, None, "left_out")
    side = agent_recording(call, agent_index=a.agent_index)
    if side is None:
        return MeasuredCall(call, a, None, "not_separated")
    return MeasuredCall(call, a, deliver(side), "done")


def call_report(m: MeasuredCall, targets) -> dict:
    """A measured call's report.json-like dict: the call's own ``to_dict()``; the registered call
    dimensions' results (``dimensions``) and measures (``measures``), followed by the agent's
    delivery dimensions and measures when measured; ``agent``: the agent's delivery report;
    ``delivery``: ``{"status", "note"}`` (:class:`MeasuredCall`)."""
    report = m.analysis.to_dict()
    # a separated mono call's conversation is "uncertain" (quality.separation_reliability); notes in English, as the store's
    report["dimensions"] = [assess_one(d, d.measures(m.analysis), targets, lang="en").to_dict() for d in dimensions.registered("call")]
    report["measures"] = {d.name: d.measures(m.analysis).to_dict() for d in dimensions.registered("call")}
    report["delivery"] = {"status": m.delivery, "note": DELIVERY_NOTES.get(m.delivery)}
    if m.agent is not None:
        agent = m.agent.to_dict()
        report["dimensions"] += agent["dimensions"]
        report["measures"].update(agent["measures"])
        report["agent"] = agent
    return report


def files_hash(file_hashes: list[str]) -> str:
    """The content key of a call kept in two files: both files' SHA-256, in order."""
    return file_hashes[0] if len(file_hashes) == 1 else hashlib.sha256(":".join(file_hashes).encode()).hexdigest()


def call_row(job: Job, row: dict, out: dict) -> dict:
    """Fill a call's store row (``row``: its key, provenance and status) from a finished call."""
    r = out["report"]
    dims = {d["name"]: d for d in r["dimensions"]}
    agent = r.get("agent")
    if agent is not None:
        row.update(model_name=agent["model"]["name"], model_sha256=agent["model"]["sha256"])
    row.update(duration_s=r["duration_s"], overall_score=agent["summary"]["overall_score"] if agent else None, n_notices=len(r["notices"]),
               targets_sha256=hashlib.sha256(json.dumps(r["checks"], sort_keys=True).encode()).hexdigest(),
               report=json.dumps(r, ensure_ascii=False))
    extra = {**(job.extra or {}), "call": True, "layout": r["layout"], "agent_side": r["agent_side"]}
    if job.customer_path:
        extra["customer_path"] = job.customer_path
    delivery = (r.get("delivery") or {}).get("status")
    if delivery not in (None, "done"):
        extra["delivery"] = delivery  # why the row has no delivery scores
    row["extra"] = json.dumps(extra, ensure_ascii=False)
    m = r["measures"]
    for d in dimensions.registered(None):  # the call's dimensions and the agent's delivery (absent: None)
        if d.name in dims:
            row[f"{d.name}_score"], row[f"{d.name}_verdict"] = dims[d.name]["score"], dims[d.name]["verdict"]
        for f in d.figures:
            row[f.key] = m.get(d.name, {}).get(f.field)
    return row


def is_call(row: dict) -> bool:
    """Whether a stored row is a two-sided call: scored as one (``call`` in its extras, failed
    calls too), or holding a call-only dimension's verdict or figure."""
    if row.get("extra") and '"call": true' in row["extra"]:
        return True
    call_only = [d for d in dimensions.registered("call") if not d.applies("take")]
    return any(row.get(f"{d.name}_verdict") is not None or any(row.get(f.key) is not None for f in d.figures) for d in call_only)


def has_delivery(row: dict) -> bool:
    """Whether a stored row holds delivery verdicts: a take, or a call with the agent's delivery."""
    return any(row.get(f"{d.name}_verdict") is not None for d in dimensions.registered("take"))


def iso_week(d) -> str:
    """"2026-W47" for a date (or an ISO date string); "" when there is none."""
    if not d:
        return ""
    try:
        d = d if isinstance(d, dt.date) else dt.date.fromisoformat(str(d)[:10])
    except ValueError:
        return ""
    y, w, _ = d.isocalendar()
    return f"{y}-W{w:02d}"
