"""The web app's glue to :mod:`voicecoach.i18n`: a request's language and the few names the
pages show for a code (a job's status and stage, a listening-queue reason).

Every word a page shows is an English source string in the templates (Jinja2's i18n extension)
or marked here with ``N_``, read from the one gettext catalogue per language (README
"Languages"); the language is chosen by :func:`voicecoach.i18n.normalize` like everywhere else.
"""

from __future__ import annotations

from voicecoach.web.library import N_, NP_, i18n

LANG_PARAM = "lang"
"""``?lang=`` asks for a page language; the app remembers it in a cookie (security.LANG_COOKIE)."""

LANGUAGES = (("zh", "简体中文"), ("zh-Hant", "繁體中文"), ("en", "English"))
"""The language switcher: each language's code and its name in itself (never translated)."""

STATUSES = {"queued": N_("Queued"), "running": N_("Analysing"), "done": N_("Done"), "failed": N_("Failed")}

STAGES = {
    "queued": N_("waiting"), "decode": N_("reading the recording"), "level": N_("measuring the level"),
    "activity": N_("finding speech"), "recognition": N_("recognising speech"), "recognition_gaps": N_("recognising speech"),
    "script": N_("aligning the script"), "pitch": N_("measuring pitch"), "report": N_("writing the report"),
    "compare": N_("comparing with the benchmark"),
}
OTHER_STAGE = N_("measuring")
"""The measures after pitch take a moment: shown as measuring."""

ROLES = {"agent": NP_("role", "Agent"), "trainer": NP_("role", "Trainer"), "qa": NP_("role", "QA"), "admin": NP_("role", "Administrator")}
"""Each account role's name (web.tables.ROLES); the forms send the code."""

REASONS = {"failed": N_("failed"), "dead_air": N_("dead air"), "interrupts": N_("agent interrupts"), "uncertain": N_("uncertain"), "low_score": N_("low score"),
           "out_of_band": N_("off target")}
"""Why a call is in the listening queue (voicecoach.qa.queue's reason codes)."""


CRASHED = N_("the analysis process stopped while working on this recording (out of memory, or a crash); upload it again, and tell an administrator if it happens again")
INTERNAL = N_("the analysis stopped with an internal error ({kind}); try again, and tell an administrator if it happens again")
NOT_RUN = N_("the analysis could not run ({kind}); try again")
UNKNOWN_FAILURE = N_("the analysis failed; try again")
"""A failed job's sentences that come from the queue, not from the library's errors."""


def choose(asked: str | None, remembered: str | None, default: str | None) -> str:
    """The page language: ``?lang=`` if it names a language, else the remembered one (cookie),
    else the server's default (``voicecoach serve --lang``); normalised by voicecoach.i18n."""
    for code in (asked, remembered):
        if code and i18n.known(code):
            return i18n.normalize(code)
    return i18n.normalize(default)


def status_name(status: str | None, lang: str) -> str:
    return i18n.gettext(lang, STATUSES[status]) if status in STATUSES else (status or "")


def stage_label(stage: str | None, lang: str) -> str:
    """A job's stage for people."""
    if not stage:
        return ""
    return i18n.gettext(lang, STAGES.get(stage, OTHER_STAGE))


def role_name(role: str, lang: str) -> str:
    return i18n.pgettext(lang, "role", ROLES[role]) if role in ROLES else role


def reason_name(code: str, lang: str) -> str:
    return i18n.gettext(lang, REASONS[code]) if code in REASONS else code


def job_error(job, lang: str) -> str | None:
    """A failed job's sentence in ``lang``: its message id (web_jobs.error_template, the English
    source string) translated and filled from its stored values; the stored English sentence
    when there is no id (older rows) or the translation cannot be filled."""
    if job is None or not job.error:
        return None
    template = getattr(job, "error_template", None)
    if not template:
        return job.error
    import json

    try:
        params = json.loads(job.error_params or "{}")
        return i18n.gettext(lang, template).format(**params)
    except (ValueError, KeyError, IndexError, TypeError):
        return job.error
