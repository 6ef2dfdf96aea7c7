"""QA over two-sided calls: measure one call in a worker, and make its store row.

A call (a stereo recording with one side per channel, two files, or a mono recording whose two
voices are separated) is measured with :func:`voicecoach.conversation.analyze_call`; no
recognition is needed. Its figures reach the store through the dimensions registered for
calls (:func:`voicecoach.judge.dimensions.registered` with ``"call"``): one row per call, its
dimension verdicts and figures as rows of the store's own tables, like a take's.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json

from voicecoach.judge import dimensions
from voicecoach.qa.inputs import Job

MIX = ("", "mix", "auto")
"""Channel values that leave the agent's side to be guessed (the side that speaks first)."""


def call_report(path: str, job: dict, targets) -> dict:
    """Measure one call; its report.json-like dict: the call's own ``to_dict()`` plus the
    registered call dimensions' results (``dimensions``) and measures (``measures``).

    Raises
    ------
    VoiceCoachError
        A file that cannot be read as a call (the batch stores its sentence).
    """
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
    report = a.to_dict()
    report["dimensions"] = [d.assess(d.measures(a), targets).to_dict() for d in dimensions.registered("call")]
    report["measures"] = {d.name: d.measures(a).to_dict() for d in dimensions.registered("call")}
    return report


def files_hash(file_hashes: list[str]) -> str:
    """The content key of a call kept in two files: both files' SHA-256, in order."""
    return file_hashes[0] if len(file_hashes) == 1 else hashlib.sha256(":".join(file_hashes).encode()).hexdigest()


def call_row(job: Job, row: dict, out: dict) -> dict:
    """Fill a call's store row (``row``: its key, provenance and status) from a finished call."""
    r = out["report"]
    dims = {d["name"]: d for d in r["dimensions"]}
    row.update(duration_s=r["duration_s"], overall_score=None, n_notices=len(r["notices"]),
               targets_sha256=hashlib.sha256(json.dumps(r["checks"], sort_keys=True).encode()).hexdigest(),
               report=json.dumps(r, ensure_ascii=False))
    extra = {**(job.extra or {}), "call": True, "layout": r["layout"], "agent_side": r["agent_side"]}
    if job.customer_path:
        extra["customer_path"] = job.customer_path
    row["extra"] = json.dumps(extra, ensure_ascii=False)
    m = r["measures"]
    for d in dimensions.registered("call"):
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
