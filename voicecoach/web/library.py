"""Every name the web app takes from the rest of voicecoach, imported here and nowhere else in
this package: when the library moves something, this file is what changes."""

from __future__ import annotations

from voicecoach import i18n
from voicecoach.analysis import analyze
from voicecoach.errors import InputError, UsageError, VoiceCoachError
from voicecoach.i18n import N_, NP_
from voicecoach.judge import dimensions as _dimensions
from voicecoach.judge.advice import dimension_name, verdict_name
from voicecoach.judge.targets import load_targets
from voicecoach.wording import load_rules
from voicecoach.qa.batch import run_batch
from voicecoach.qa.export import export
from voicecoach.qa.inputs import Job, discover
from voicecoach.qa.queue import listening_queue
from voicecoach.qa.store import Store, engine_url, owner_alive
from voicecoach.qa.summary import summarise, worth_a_listen
from voicecoach.qa.work import BatchSettings, result_row
from voicecoach.recognize import build_recognizer
from voicecoach.report import write_report
from voicecoach.trainer.compare import compare
from voicecoach.trainer.html import write_compare_report


def warm_up() -> None:
    """Load once, in a new analysis process, what each analysis keeps per process: the voice
    encoder (when its weights are installed), matplotlib and the chart font."""
    from voicecoach.errors import ModelError
    from voicecoach.measures.embed import shared_encoder
    from voicecoach.report import charts  # noqa: F401 - matplotlib and the chart code
    from voicecoach.report.fonts import cjk_font

    cjk_font()
    try:
        shared_encoder()
    except ModelError:  # not installed: each report says the second voice was not checked
        pass


def dimension_names() -> tuple[str, ...]:
    """The registered dimensions, in report order (the columns of the history and call tables)."""
    return _dimensions.names()


__all__ = ["i18n", "N_", "NP_", "analyze", "InputError", "UsageError", "VoiceCoachError", "dimension_name", "verdict_name", "load_targets", "load_rules", "run_batch",
           "export", "Job", "discover", "listening_queue", "Store", "engine_url", "owner_alive", "summarise", "worth_a_listen", "BatchSettings", "result_row",
           "build_recognizer", "write_report", "compare", "write_compare_report", "dimension_names", "warm_up"]
