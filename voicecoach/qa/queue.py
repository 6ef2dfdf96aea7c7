"""The listening queue: the calls a QA lead must hear first, each with the reasons it is there.

A call enters the queue for what the lead has to act on, not for its score alone:

* ``failed``: the file could not be scored (the error is the reason's detail); someone has to
  look at it, or nobody ever will;
* ``dead_air``: the pauses verdict is dead air (both sides silent past the target); on a
  two-sided call, any dead air the call measured (its detail: how many stretches, how long in all),
  said once even when the agent's delivery (measured on the agent's side) says it too;
* ``interrupts``: a two-sided call in which the agent interrupted the customer (its detail:
  how many times);
* ``uncertain``: a dimension the analysis itself could not judge (low coverage, counts that
  disagree, too little speech): a person must listen before anyone trusts it;
* ``low_score``: an overall score under :data:`LOW_SCORE`;
* ``out_of_band``: dimensions outside their target band;
* ``two_voices``: two voices on the agent's channel (a stored flag, ``two_voices`` in the row
  or in its manifest extras, set by the overlap detector when it runs; absent: no reason).

Calls are ranked by :func:`priority`: each reason weighs what it costs a contact centre to
miss it (a failed file and dead air above an uncertain figure, above a low score, above a
dimension out of band), and a lower score comes first among equals.
"""

from __future__ import annotations

from dataclasses import dataclass

from voicecoach.judge import dimensions

LOW_SCORE = 60.0
"""An overall score below this puts a call in the queue on its own."""

WEIGHTS = {"failed": 4.0, "dead_air": 3.0, "two_voices": 3.0, "interrupts": 2.0, "uncertain": 2.0, "low_score": 1.5, "out_of_band": 0.5}
"""What each reason adds to a call's priority (out_of_band: per dimension)."""

MUST_HEAR = ("failed", "dead_air", "two_voices")
"""Reasons that put a call before every call without one (then by priority)."""

ON_TARGET = ("within", "not_measured", "uncertain", None)


@dataclass(frozen=True)
class Reason:
    """Why a call is in the queue.

    Attributes
    ----------
    code : str
        ``failed``, ``dead_air``, ``interrupts``, ``two_voices``, ``uncertain``, ``low_score`` or ``out_of_band``.
    dimensions : tuple of str
        The dimensions it concerns (empty for ``failed`` and ``low_score``).
    detail : str
        The error message of a failed call; a call's dead air ``"<count> <total s>"`` and
        interruptions ``"<count>"``; else empty.
    """

    code: str
    dimensions: tuple[str, ...] = ()
    detail: str = ""


@dataclass(frozen=True)
class QueueEntry:
    """A call in the listening queue, with its reasons and priority (higher: listen first)."""

    row: dict
    reasons: tuple[Reason, ...]
    priority: float


def reasons(row: dict) -> tuple[Reason, ...]:
    """Why ``row`` (a flat row of :meth:`voicecoach.qa.store.Store.rows`) belongs in the queue."""
    if row.get("status") != "done":
        return (Reason("failed", detail=row.get("error_message") or row.get("error_code") or ""),) if row.get("status") == "error" else ()
    names = dimensions.names(None)
    out = []
    if row.get("pauses_verdict") == "dead_air" and row.get("n_dead_air") is None:  # a call's own count says it (once) below
        out.append(Reason("dead_air", ("pauses",)))
    if (row.get("n_dead_air") or 0) > 0:  # a two-sided call's dead air (the conversation dimension)
        out.append(Reason("dead_air", ("conversation",), f"{row['n_dead_air']:g} {row.get('dead_air_s') or 0.0:.1f}"))
    if (row.get("n_agent_interruptions") or 0) > 0:
        out.append(Reason("interrupts", ("conversation",), f"{row['n_agent_interruptions']:g}"))
    if _two_voices(row):
        out.append(Reason("two_voices"))
    unsure = tuple(d for d in names if row.get(f"{d}_verdict") == "uncertain")
    if unsure:
        out.append(Reason("uncertain", unsure))
    score = row.get("overall_score")
    if score is not None and score < LOW_SCORE:
        out.append(Reason("low_score"))
    said = {("pauses", "dead_air"), ("conversation", "dead_air"), ("conversation", "interrupts")}  # reasons of their own above
    off = tuple(d for d in names if row.get(f"{d}_verdict") not in ON_TARGET and (d, row.get(f"{d}_verdict")) not in said)
    if off:
        out.append(Reason("out_of_band", off))
    return tuple(out)


def _two_voices(row: dict) -> bool:
    """The stored two-voices flag: a ``two_voices`` column, or the same key in the row's
    ``extra`` JSON (a manifest column); true for 1/true/yes."""
    flag = row.get("two_voices")
    if flag is None and row.get("extra"):
        import json

        try:
            flag = json.loads(row["extra"]).get("two_voices")
        except (ValueError, AttributeError):
            flag = None
    return str(flag).strip().lower() in ("1", "true", "yes") if flag is not None else False


def priority(rs: tuple[Reason, ...]) -> float:
    return sum(WEIGHTS[r.code] * (len(r.dimensions) if r.code == "out_of_band" else 1) for r in rs)


def listening_queue(rows: list[dict], n: int = 15) -> list[QueueEntry]:
    """The ``n`` calls to hear first: every call with a reason, those with a reason in
    :data:`MUST_HEAR` first, then highest priority, then lowest overall score."""
    entries = [QueueEntry(r, rs, priority(rs)) for r in rows if (rs := reasons(r))]
    # a failed file, dead air or a second voice first, however many dimensions a low score has out of band
    entries.sort(key=lambda e: (not any(r.code in MUST_HEAR for r in e.reasons), -e.priority,
                                e.row.get("overall_score") if e.row.get("overall_score") is not None else -1.0))
    return entries[:n]
