"""The 话术 (wording) section of the agent's report: each flagged phrase with the wording to use
instead and the moment to listen to, the checklist of required lines, and filled pauses when
the measures hold them (``MeasureSet.filled_pauses``, measured from the signal elsewhere)."""

from __future__ import annotations

from voicecoach import i18n
from voicecoach.i18n import N_, NP_

KIND_LABELS = {
    "forbidden": NP_("moment", "forbidden phrase"),
    "discouraged": NP_("moment", "habitual phrase"),
    "pointing_you": NP_("moment", "pointing 你"),
    "filler": NP_("moment", "filler"),
    "pet_phrase": NP_("moment", "pet phrase"),
}
LINE_LABELS = {
    "greeting": N_("greeting at the start"),
    "offer_help": N_("offer of help at the start"),
    "closing": N_("closing at the end"),
    "confirm_understanding": N_("confirming you were understood"),
    "transfer": N_("transfer line"),
}
STATUS_LABELS = {"said": N_("said"), "missing": N_("missing"), "not_in_script": N_("not in the script"),
                 "not_checked": N_("not checked on a practice take (whole calls only)")}
MAX_ROWS = 60


def wording_view(a, lang: str) -> dict | None:
    """What the template shows in the wording section; None when the wording was not analysed."""
    w = a.measures.wording
    if w is None:
        return None
    kinds = ("forbidden", "discouraged", "filler", "pet_phrase", "pointing_you")
    hits = sorted((h for h in w.hits if h.kind in kinds), key=lambda h: (kinds.index(h.kind), h.start_s))
    rows = [{"h": h, "label": i18n.text(lang, KIND_LABELS[h.kind], "moment"), "confidence": f"{h.confidence:.0%}",
             "heard": i18n.transcript(lang, h.heard), "suggest": i18n.transcript(lang, h.suggest)} for h in hits[:MAX_ROWS]]
    lines = [{"l": line, "label": i18n.gettext(lang, LINE_LABELS[line.rule_id]) if line.rule_id in LINE_LABELS else line.rule_id,
              "status": i18n.gettext(lang, STATUS_LABELS[line.status]),
              "kind": "ok" if line.status == "said" else "bad" if line.missing else "info",
              "advice": "" if line.required else i18n.gettext(lang, "recommended")} for line in w.lines]
    fp = getattr(a.measures, "filled_pauses", None)
    filled = [{"start_s": m.start_s, "end_s": m.end_s, "text": getattr(m, "text", "") or "", "source": getattr(m, "source", "")}
              for m in (getattr(fp, "moments", None) or ())][:MAX_ROWS] if fp is not None else None
    return {"w": w, "rows": rows, "n_more": max(0, len(hits) - MAX_ROWS), "lines": lines, "filled": filled,
            "filled_per_min": getattr(fp, "per_min", None) if fp is not None else None,
            "uncertain": a.dimension("wording").verdict == "uncertain" if any(d.name == "wording" for d in a.dimensions) else False,
            "you": f"{w.n_you_pointing} / {w.n_you_polite}"}
