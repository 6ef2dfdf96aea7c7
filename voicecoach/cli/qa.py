"""QA commands: batch, export, summary."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Optional

import typer

from voicecoach import i18n
from voicecoach.cli.app import (
    DbOpt,
    DeviceOpt,
    LangOpt,
    ModelOpt,
    _check_lang,
    _err,
    _given,
    _say,
    app,
    guarded,
)
from voicecoach.errors import VoiceCoachError
from voicecoach.i18n import N_


@app.command("batch")
@guarded
def batch_cmd(
    inputs: list[str] = typer.Argument(None, help="Folders (searched recursively), files or globs."),
    manifest: Optional[Path] = typer.Option(None, "--manifest", help="CSV with path, call_id, agent_id, date, channel and any other columns."),
    db: str = DbOpt,
    workers: Optional[int] = typer.Option(None, "--workers", help="Worker processes, one inference thread each (default: one per core, at most 8)."),
    engine: str = typer.Option("local", "--engine", help="local (a process pool) or ray."),
    address: Optional[str] = typer.Option(None, "--address", help="Ray cluster address ('auto' for the cluster this machine belongs to); default a local Ray."),
    retry_failed: bool = typer.Option(False, "--retry-failed", help="Score again the calls that failed before."),
    channel: Optional[str] = typer.Option(None, "--channel", help="Agent channel when the manifest does not say."),
    targets: Optional[Path] = typer.Option(None, "--targets", help="Targets TOML."),
    phrases: Optional[Path] = typer.Option(None, "--phrases", help="Phrase list TOML (wording rules)."),
    script: Optional[Path] = typer.Option(None, "--script", help="A script every call reads (rare in QA)."),
    model: Optional[str] = ModelOpt,
    device: Optional[str] = DeviceOpt,
    lang: Optional[str] = LangOpt,
    allow_any_path: bool = typer.Option(False, "--allow-any-path", help="Let manifest entries point outside the manifest's folder and the folders given."),
    time_limit: Optional[float] = typer.Option(None, "--time-limit", min=1.0, help="Seconds one call may take; a call that takes longer is stopped and stored as an error."),
    reports: Optional[Path] = typer.Option(None, "--reports", help="Folder for each call's report page (give the same folder to voicecoach summary --reports to link them)."),
    calls: bool = typer.Option(False, "--calls", help="Each recording is a two-sided call (stereo, one side per channel; --channel left/right names the agent's, mono separates the voices): measure turn-taking, overtalk, latency, dead air. A manifest row with customer_path is a two-file call."),
    no_delivery: bool = typer.Option(False, "--no-delivery", help="For two-sided calls, only the conversation timing: leave out the agent's delivery (no speech recognition; faster)."),
) -> None:
    """Score many calls into the result store; safe to stop and run again (it resumes)."""
    from voicecoach.qa.batch import run_batch
    from voicecoach.qa.inputs import discover
    from voicecoach.qa.store import Store
    from voicecoach.qa.work import BatchSettings

    if engine not in ("local", "ray"):
        raise VoiceCoachError.of(N_("--engine must be local or ray, got '{engine}'"), engine=engine)
    if not inputs and manifest is None:
        raise VoiceCoachError.of(N_("give folders or files to score, or --manifest calls.csv"))
    _check_lang(lang)
    jobs = discover(inputs or [], manifest=manifest, allow_any_path=allow_any_path, calls=calls, **_given(channel=channel))
    store = Store(db)
    settings = BatchSettings(targets=str(targets) if targets else None, phrases=str(phrases) if phrases else None, script=str(script) if script else None, time_limit_s=time_limit,
                             delivery=not no_delivery, **_given(model=model, lang=lang, device=device))
    show, stop = _batch_progress(len(jobs))
    try:
        prog = run_batch(jobs, store, settings, engine=engine, address=address, retry_failed=retry_failed, progress=show, reports_dir=reports, **_given(workers=workers))
    except KeyboardInterrupt:
        stop()
        _err(i18n.cli_text(lang, N_("interrupted; every finished call is saved in {db}: run the same command again to resume"), db=db))
        raise typer.Exit(130) from None
    stop()
    elsewhere = i18n.cli_text(lang, N_(", {n} taken by another batch on the same store"), n=prog.elsewhere) if prog.elsewhere else ""
    _say(i18n.cli_text(lang, N_("{done} scored, {failed} failed, {skipped} already in the store, {duplicates} duplicates{elsewhere}; {hours:.2f} h of audio -> {db}"), done=prog.done,
                       failed=prog.failed, skipped=prog.skipped, duplicates=prog.duplicates, elsewhere=elsewhere, hours=prog.audio_s / 3600, db=db))
    if prog.failed:
        typer.echo(i18n.cli_text(lang, N_("failed calls keep their reason in the store (voicecoach export --status error); retry them with --retry-failed")))


def _batch_progress(total: int):
    if not sys.stderr.isatty():
        return _progress_lines(total), lambda: None
    from rich.progress import BarColumn, Progress, TextColumn, TimeRemainingColumn

    bar = Progress(TextColumn("[bold]scoring"), BarColumn(), TextColumn("{task.completed}/{task.total}"), TextColumn("{task.fields[counts]}"), TimeRemainingColumn(), transient=False)
    task = bar.add_task("batch", total=total, counts="")
    bar.start()

    def show(p):
        bar.update(task, completed=p.finished, counts=f"done {p.done} · failed {p.failed} · skipped {p.skipped + p.duplicates}")

    return show, bar.stop


def _progress_lines(total: int, *, every_s: float = 10.0):
    """Progress as plain lines on stderr (cron, CI logs): at most one per ``every_s`` and at
    each 5 % of the calls, and always the last."""
    import time

    state = {"t": 0.0, "shown": -1}
    step = max(1, total // 20)

    def show(p) -> None:
        now = time.monotonic()
        done = p.finished
        if done == state["shown"] or (done < p.total and now - state["t"] < every_s and done // step == state["shown"] // step):
            return
        state["t"], state["shown"] = now, done
        eta = p.eta_s()
        left = f", about {eta / 60:.0f} min left" if eta is not None and done < p.total else ""
        typer.echo(f"scoring {done}/{p.total}: done {p.done}, failed {p.failed}, skipped {p.skipped + p.duplicates}{left}", err=True)

    return show


@app.command("export")
@guarded
def export_cmd(
    db: str = DbOpt,
    out: Path = typer.Option(..., "-o", "--out", help="Output file (.csv or .xlsx)."),
    fmt: Optional[str] = typer.Option(None, "--format", help="csv or xlsx (default: from the file name)."),
    since: Optional[str] = typer.Option(None, "--since", help="Calls on or after this date (YYYY-MM-DD)."),
    until: Optional[str] = typer.Option(None, "--until", help="Calls on or before this date."),
    agent: Optional[str] = typer.Option(None, "--agent", help="One agent only."),
    verdict: Optional[str] = typer.Option(None, "--verdict", help="Calls with this verdict on any dimension (too_fast, drawled...)."),
    status: Optional[str] = typer.Option(None, "--status", help="done or error."),
    lang: Optional[str] = typer.Option(None, "--lang", help="Headers and verdicts in zh, zh-Hant or en (default: zh for XLSX, which is for people; the column keys for CSV, which is for machines)."),
    keys: bool = typer.Option(False, "--keys", help="Column keys and verdict words (pace_score, too_fast) in XLSX too, for a program that reads it."),
) -> None:
    """Export the stored results to CSV or XLSX, one row per call."""
    from voicecoach.qa.export import export
    from voicecoach.qa.store import Store

    _check_lang(lang)
    if keys and lang is not None:
        raise VoiceCoachError.of(N_("--keys writes the column keys, --lang headers in a language: give one of them, got both"))
    sheet_lang = lang
    if lang is None and not keys and (fmt or out.suffix.lstrip(".")).lower() == "xlsx":
        sheet_lang = "zh"  # a spreadsheet is read by people: the default report language, not column keys
    n = export(Store(db, must_exist=True), out, fmt=fmt, since=_date(since, "--since"), until=_date(until, "--until"), agent=agent, verdict=verdict, status=status, **_given(lang=sheet_lang))
    _say(i18n.cli_text(lang, N_("{n} rows -> {out}"), n=n, out=out))


@app.command("summary")
@guarded
def summary_cmd(
    db: str = DbOpt,
    out: Path = typer.Option(Path("summary"), "-o", "--out", help="Folder for summary.html and charts."),
    by: str = typer.Option("agent", "--by", help="agent, date or all."),
    lang: Optional[str] = LangOpt,
    since: Optional[str] = typer.Option(None, "--since", help="Calls on or after this date (YYYY-MM-DD)."),
    until: Optional[str] = typer.Option(None, "--until", help="Calls on or before this date."),
    targets: Optional[Path] = typer.Option(None, "--targets", help="Targets TOML whose bands the charts show."),
    reports: Optional[Path] = typer.Option(None, "--reports", help="The folder of per-call report pages written by voicecoach batch --reports (default: <out>/reports)."),
    render_reports: bool = typer.Option(False, "--render-reports", help="First write the missing report page of every call (analysed again from its recording and the transcript cache; the listening queue's calls first)."),
    model: Optional[str] = ModelOpt,
) -> None:
    """A summary report of the stored results: by agent and dimension, trends, calls worth a listen."""
    from voicecoach.qa.store import Store
    from voicecoach.qa.summary import write_summary

    if by not in ("agent", "date", "all"):
        raise VoiceCoachError.of(N_("--by must be agent, date or all, got '{by}'"), by=by)
    _check_lang(lang)
    store = Store(db, must_exist=True)
    if render_reports:
        from voicecoach.qa.queue import listening_queue
        from voicecoach.qa.work import render_missing_pages
        from voicecoach.recognize import build_recognizer

        rows = store.rows(since=_date(since, "--since"), until=_date(until, "--until"))
        queued = [e.row for e in listening_queue(rows)]  # the calls to hear first get their pages first
        seen = {r["key"] for r in queued}
        render_missing_pages(queued + [r for r in rows if r["key"] not in seen], reports or out / "reports", recognizer=build_recognizer(**_given(model=model)),
                             targets=str(targets) if targets else None, **_given(lang=lang))
    path = write_summary(store, out, by=by, targets=str(targets) if targets else None, reports_dir=reports, since=_date(since, "--since"), until=_date(until, "--until"),
                         **_given(lang=lang))
    typer.echo(i18n.cli_text(lang, N_("summary: {path}"), path=path))


def _date(value: Optional[str], option: str):
    from datetime import date

    if value is None:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise VoiceCoachError.of(N_("{option} '{value}' is not a date; use YYYY-MM-DD"), option=option, value=value) from None
