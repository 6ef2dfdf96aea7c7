"""The ``voicecoach`` command: a thin typer shell over the library, with one error boundary.

Library defaults are not restated here: options default to None and are passed on only when
given (:func:`_given`), so the CLI cannot drift from the library. Every command that recognises
speech gets its recogniser from :func:`voicecoach.recognize.build_recognizer`.
"""

from __future__ import annotations

import contextlib
import errno
import functools
import logging
import os
import sys
from pathlib import Path
from typing import Optional

import typer

from voicecoach import i18n
from voicecoach.errors import VoiceCoachError, safe_text
from voicecoach.i18n import N_

app = typer.Typer(
    add_completion=False,
    no_args_is_help=True,
    pretty_exceptions_enable=False,  # never print tracebacks (their locals can hold transcripts)
    help="voicecoach: coach the delivery of recorded Mandarin customer-service speech.",
)

LangOpt = typer.Option(None, "--lang", help="Report language: zh (Simplified Chinese, the default), zh-Hant (Traditional; zh-TW, zh-HK too) or en. Also the language of error messages (English without it).")
ModelOpt = typer.Option(None, "--model", help="Whisper model: 'base' (bundled, offline), a CTranslate2 folder, or a hub name.")
DeviceOpt = typer.Option(None, "--device", help="auto, cpu or cuda (default auto: CUDA float16 when a GPU is present).")


def _err(message: str) -> None:
    typer.echo(f"voicecoach: {safe_text(message)}", err=True)


def _say(text: str) -> None:
    """One line on stdout, whatever bytes a file name in it holds."""
    typer.echo(safe_text(str(text)))


def _version(value: bool) -> None:
    if value:
        from voicecoach import __version__

        typer.echo(f"voicecoach {__version__}")
        raise typer.Exit()


@app.callback()
def _main(version: bool = typer.Option(False, "--version", callback=_version, is_eager=True, help="Print the version and exit.")) -> None:
    """voicecoach: coach the delivery of recorded Mandarin customer-service speech."""


def _stdout_gone() -> None:
    """The reader of our output went away (``| head``): stop writing, quietly."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError):
        pass


def guarded(fn):
    """The error boundary of each command: our errors become one line on stderr (in the command's
    ``--lang`` when given and known, else English) and an exit code."""

    @functools.wraps(fn)
    def wrapper(*args, **kwargs):
        try:
            return fn(*args, **kwargs)
        except VoiceCoachError as e:
            _err(e.text(kwargs["lang"]) if kwargs.get("lang") and i18n.known(kwargs["lang"]) else str(e))
            raise typer.Exit(e.exit_code) from None
        except (typer.Exit, typer.Abort, KeyboardInterrupt):
            raise
        except BrokenPipeError:
            _stdout_gone()
            raise typer.Exit(0) from None
        except Exception as e:
            if os.environ.get("VOICECOACH_DEBUG"):
                raise
            _err(f"internal error ({type(e).__name__}: {e}); run again with VOICECOACH_DEBUG=1 and report it")
            raise typer.Exit(70) from None

    return wrapper


@contextlib.contextmanager
def _writing(folder: Path):
    """A report folder that cannot be written becomes one clear line (exit 6), not a traceback."""
    try:
        yield folder
    except OSError as e:
        from voicecoach.errors import OutputError, display_name

        full = e.errno in (errno.ENOSPC, errno.EDQUOT)
        raise OutputError.of(N_("cannot write the report into {where} ({reason}); free some disk space and run again") if full else
                             N_("cannot write the report into {where} ({reason}); choose a writable folder with --out and run again"),
                             where=display_name(folder.parent) or "the current folder", reason=e.strerror or type(e).__name__) from None


def _given(**options) -> dict:
    """The options the user gave (not None), to pass on as keyword arguments."""
    return {k: v for k, v in options.items() if v is not None}


def _check_lang(lang: Optional[str]) -> None:
    if lang is not None and not i18n.known(lang):
        raise VoiceCoachError.of(N_("--lang must be zh, zh-Hant or en (zh-TW and zh-HK read as zh-Hant), got '{lang}'"), lang=lang)


def _progress(quiet: bool):
    if quiet or not sys.stderr.isatty():
        return None, None
    from rich.console import Console

    status = Console(stderr=True).status("")
    status.start()
    return status, (lambda stage: status.update(f"[bold]{stage}[/bold] …"))


@app.command()
@guarded
def analyze(
    recording: Path = typer.Argument(..., help="Audio file: WAV, FLAC, MP3, M4A/AAC, OGG/Opus..."),
    channel: Optional[str] = typer.Option(None, "--channel", help="mix, left, right, or a channel number (1-based)."),
    targets: Optional[Path] = typer.Option(None, "--targets", help="Your organisation's targets TOML (overrides any subset of the defaults)."),
    out: Optional[Path] = typer.Option(None, "--out", help="Folder to write <name>.report/ into (default: beside the recording)."),
    lang: Optional[str] = LangOpt,
    script: Optional[str] = typer.Option(None, "--script", help="Text file (or id in --scripts-dir) with what was meant to be said."),
    scripts_dir: Optional[Path] = typer.Option(None, "--scripts-dir", help="Folder of scripts, for --script ids."),
    model: Optional[str] = ModelOpt,
    device: Optional[str] = DeviceOpt,
    allow_download: bool = typer.Option(False, "--allow-download", help="Let a hub model be downloaded."),
    no_cache: bool = typer.Option(False, "--no-cache", help="Transcribe again even if a cached transcript exists."),
    max_duration: Optional[float] = typer.Option(None, "--max-duration", help="Refuse recordings longer than this many seconds."),
    quiet: bool = typer.Option(False, "--quiet", "-q", help="Print only the report folder."),
    full_paths: bool = typer.Option(False, "--full-paths", help="Keep absolute paths (recording, model, targets) in report.json; by default it names files and gives checksums."),
) -> None:
    """Analyse one recording and write report.html, report.json and charts."""
    from voicecoach.analysis import analyze as run
    from voicecoach.recognize import build_recognizer
    from voicecoach.report import default_report_dir, write_report
    from voicecoach.report.text import summary_lines

    _check_lang(lang)
    recognizer = build_recognizer(**_given(model=model, device=device), allow_download=allow_download, use_cache=not no_cache)
    status, progress = _progress(quiet)
    try:
        result = run(recording, targets=targets, script=script, scripts_dir=scripts_dir, recognizer=recognizer, use_cache=not no_cache,
                     progress=progress, **_given(channel=channel, lang=lang, max_duration_s=max_duration))
        if progress:
            progress("report")
        with _writing(default_report_dir(recording, out)) as folder:
            files = write_report(result, folder, lang=result.lang, full_paths=full_paths)
    finally:
        if status:
            status.stop()
    if quiet:
        _say(files.folder)
        return
    for line in summary_lines(result, lang=result.lang):
        _say(line)
    _say(f"report: {files.html}")


@app.command("compare")
@guarded
def compare_cmd(
    trainee: Path = typer.Argument(..., help="The trainee's recording."),
    benchmark: Optional[Path] = typer.Argument(None, help="The benchmark (trainer's) recording of the same script."),
    benchmark_set: Optional[Path] = typer.Option(None, "--benchmark-set", help="A folder of benchmark takes (and optionally script.txt) instead of one benchmark."),
    out: Optional[Path] = typer.Option(None, "--out", help="Folder to write <trainee>_vs_<benchmark>.report/ into."),
    lang: Optional[str] = LangOpt,
    script: Optional[str] = typer.Option(None, "--script", help="The script both read (file, or id in --scripts-dir)."),
    scripts_dir: Optional[Path] = typer.Option(None, "--scripts-dir", help="Folder of scripts, for --script ids."),
    targets: Optional[Path] = typer.Option(None, "--targets", help="Targets TOML (its [compare] section sets what counts as a difference)."),
    channel: Optional[str] = typer.Option(None, "--channel", help="Channel to analyse in both recordings."),
    model: Optional[str] = ModelOpt,
    device: Optional[str] = DeviceOpt,
    quiet: bool = typer.Option(False, "--quiet", "-q", help="Print only the report folder."),
) -> None:
    """Compare a trainee's take with a benchmark take, sentence by sentence."""
    from voicecoach.audio import AUDIO_EXTENSIONS
    from voicecoach.trainer.compare import compare
    from voicecoach.recognize import build_recognizer
    from voicecoach.trainer.html import default_compare_dir, write_compare_report

    _check_lang(lang)
    if (benchmark is None) == (benchmark_set is None):
        raise VoiceCoachError.of(N_("give one benchmark recording or --benchmark-set FOLDER (not both, not neither)"))
    if benchmark_set is not None:
        if not benchmark_set.is_dir():
            raise VoiceCoachError.of(N_("--benchmark-set {folder} is not a folder; give the folder holding the benchmark takes"), folder=benchmark_set)
        takes = sorted(p for p in benchmark_set.iterdir() if p.suffix.lower() in AUDIO_EXTENSIONS)
        if not takes:
            raise VoiceCoachError.of(N_("{folder} holds no recordings ({extensions}...); put the benchmark takes there"), folder=benchmark_set, extensions=", ".join(AUDIO_EXTENSIONS[:6]))
        if script is None and (benchmark_set / "script.txt").exists():
            script = str(benchmark_set / "script.txt")
        name = benchmark_set
    else:
        takes, name = [benchmark], benchmark
    result = compare(trainee, takes, targets=targets, script=script, scripts_dir=scripts_dir,
                     recognizer=build_recognizer(**_given(model=model, device=device)), **_given(lang=lang, channel=channel))
    with _writing(default_compare_dir(trainee, name, out)) as folder:
        files = write_compare_report(result, folder, lang=result.lang)
    if quiet:
        _say(files.folder)
        return
    match = i18n.gettext(result.lang, "content match {similarity:.0%}").format(similarity=result.content_similarity)
    typer.echo(match + ("" if result.same_content else i18n.gettext(result.lang, " (different content: whole recordings only)")))
    for i, ch in enumerate(result.changes, 1):
        where = ", ".join(f"#{k + 1}" for k in ch.sentences)
        _say(f"  {i}. {ch.tip}" + (f"  [{where}]" if where else ""))
    _say(f"report: {files.html}")


DbOpt = typer.Option("voicecoach.sqlite", "--db", help="Result store: a SQLite file, or postgresql://user@host/db.")


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
    script: Optional[Path] = typer.Option(None, "--script", help="A script every call reads (rare in QA)."),
    model: Optional[str] = ModelOpt,
    device: Optional[str] = DeviceOpt,
    lang: Optional[str] = LangOpt,
    allow_any_path: bool = typer.Option(False, "--allow-any-path", help="Let manifest entries point outside the manifest's folder and the folders given."),
    time_limit: Optional[float] = typer.Option(None, "--time-limit", min=1.0, help="Seconds one call may take; a call that takes longer is stopped and stored as an error."),
) -> None:
    """Score many calls into the result store; safe to stop and run again (it resumes)."""
    from voicecoach.qa.batch import run_batch
    from voicecoach.qa.inputs import discover
    from voicecoach.qa.work import BatchSettings
    from voicecoach.qa.store import Store

    if engine not in ("local", "ray"):
        raise VoiceCoachError.of(N_("--engine must be local or ray, got '{engine}'"), engine=engine)
    if not inputs and manifest is None:
        raise VoiceCoachError.of(N_("give folders or files to score, or --manifest calls.csv"))
    _check_lang(lang)
    jobs = discover(inputs or [], manifest=manifest, allow_any_path=allow_any_path, **_given(channel=channel))
    store = Store(db)
    settings = BatchSettings(targets=str(targets) if targets else None, script=str(script) if script else None, time_limit_s=time_limit,
                             **_given(model=model, lang=lang, device=device))
    show, stop = _batch_progress(len(jobs))
    try:
        prog = run_batch(jobs, store, settings, engine=engine, address=address, retry_failed=retry_failed, progress=show, **_given(workers=workers))
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
    lang: Optional[str] = typer.Option(None, "--lang", help="Headers and verdicts in zh, zh-Hant or en (default: the machine-readable column keys and verdict words)."),
) -> None:
    """Export the stored results to CSV or XLSX, one row per call."""
    from voicecoach.qa.export import export
    from voicecoach.qa.store import Store

    _check_lang(lang)
    n = export(Store(db, must_exist=True), out, fmt=fmt, since=_date(since, "--since"), until=_date(until, "--until"), agent=agent, verdict=verdict, status=status, **_given(lang=lang))
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
) -> None:
    """A summary report of the stored results: by agent and dimension, trends, calls worth a listen."""
    from voicecoach.qa.store import Store
    from voicecoach.qa.summary import write_summary

    if by not in ("agent", "date", "all"):
        raise VoiceCoachError.of(N_("--by must be agent, date or all, got '{by}'"), by=by)
    _check_lang(lang)
    path = write_summary(Store(db, must_exist=True), out, by=by, targets=str(targets) if targets else None, since=_date(since, "--since"), until=_date(until, "--until"),
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


@app.command()
@guarded
def setup(
    model: Optional[str] = ModelOpt,
    allow_download: bool = typer.Option(False, "--allow-download", help="Let a hub model be downloaded."),
) -> None:
    """Assemble and verify the model, and warm every cache, so the first analysis is fast."""
    import numpy as np

    from voicecoach.measures.p56 import active_level
    from voicecoach.measures.pitch import track_pitch
    from voicecoach.audio import Audio
    from voicecoach.recognize import build_recognizer

    spec = build_recognizer(**_given(model=model), allow_download=allow_download, use_cache=False).load()
    x = (0.1 * np.sin(2 * np.pi * 200 * np.arange(16000) / 16000)).astype(np.float32)
    track_pitch(Audio(x, 16000))
    active_level(x, sample_rate_hz=16000)
    typer.echo(f"model ready: {spec.path} (sha256 {spec.sha256})")


@app.command("call")
@guarded
def call_cmd(
    recording: Path = typer.Argument(..., help="A stereo call (agent and customer on separate channels), or the agent's file with --customer."),
    customer: Optional[Path] = typer.Option(None, "--customer", help="The customer's file, when each side of the call is in its own file."),
    agent_channel: Optional[str] = typer.Option(None, "--agent-channel", help="The agent's channel of a stereo call: left or right (1 or 2). Default: guessed (the side that speaks first)."),
    targets: Optional[Path] = typer.Option(None, "--targets", help="Your organisation's targets TOML (its [conversation] section)."),
    out: Optional[Path] = typer.Option(None, "--out", help="JSON file to write (default: <recording>.call.json beside the recording)."),
    quiet: bool = typer.Option(False, "--quiet", "-q", help="Print only the JSON file's path."),
) -> None:
    """Two-sided call: turn-taking, overtalk, response time, dead air, holds, pace matching."""
    import json

    from voicecoach.conversation import analyze_call, load_stereo_call, load_two_file_call
    from voicecoach.errors import UsageError

    if customer is not None and agent_channel is not None:
        raise UsageError("--agent-channel picks a channel of one stereo file; with --customer the first file is the agent's: leave one out")
    call = load_two_file_call(recording, customer) if customer is not None else load_stereo_call(recording, agent_channel=agent_channel)
    result = analyze_call(call, targets=targets)
    target = out or recording.with_name(recording.name + ".call.json")
    with _writing(target):
        target.write_text(json.dumps(result.to_dict(), ensure_ascii=False, indent=1), encoding="utf-8")
    if not quiet:
        for c in result.checks:
            mark = "  " if c.within is None else ("ok" if c.within else "!!")
            value = "-" if c.within is None else f"{c.value:.2f}"
            _say(f"{mark} {c.key.split('.', 1)[1]:<28} {value:>8} {c.unit}")
        for n in result.notices:
            _say(f"note: {n.message}")
    _say(str(target))


@app.command("targets")
@guarded
def targets_cmd(
    check: Optional[Path] = typer.Option(None, "--check", help="Validate an organisation's targets file."),
    show: bool = typer.Option(False, "--show", help="Print the default targets file."),
) -> None:
    """Show the default targets, or check your own targets file."""
    from voicecoach.judge.targets import default_targets_path, load_targets

    if show or check is None:
        typer.echo(default_targets_path().read_text(encoding="utf-8"))
    if check is not None:
        t = load_targets(check)
        changed = [k for k, v in t.items.items() if v.origin != "defaults"]
        typer.echo(f"{check}: OK; overrides {len(changed)} target(s): {', '.join(changed) or 'none'}")


@app.command("serve")
@guarded
def serve_cmd(
    db: str = DbOpt,
    data_dir: Path = typer.Option(Path("voicecoach-web"), "--data", help="Folder for uploads and report pages."),
    host: str = typer.Option("127.0.0.1", "--host", help="Address to listen on (0.0.0.0: every interface)."),
    port: int = typer.Option(8000, "--port", help="Port to listen on."),
    workers: Optional[int] = typer.Option(None, "--workers", min=1, help="Analysis processes (default: one per two cores); more uploads wait in the queue."),
    admin: Optional[str] = typer.Option(None, "--admin", help="Create this admin account if the store has none (password from VOICECOACH_ADMIN_PASSWORD or asked)."),
    trusted_header: Optional[str] = typer.Option(None, "--trusted-header", help="Sign users in by this header set by your single-sign-on proxy (only when the app is reachable through it alone)."),
    secure_cookies: bool = typer.Option(False, "--secure-cookies", help="Served over TLS (directly or behind a proxy): cookies are Secure."),
    batch_root: list[Path] = typer.Option([], "--batch-root", help="A server folder QA may start batches over (repeatable)."),
    engine: str = typer.Option("local", "--engine", help="QA folder batches: local or ray."),
    model: Optional[str] = ModelOpt,
    lang: str = LangOpt,
) -> None:
    """Start the web app (agents, trainers, QA) on this result store."""
    from voicecoach.web import serve
    from voicecoach.web.config import WebConfig, default_workers

    config = WebConfig(db=db, data_dir=data_dir, workers=workers or default_workers(), trusted_header=trusted_header, secure_cookies=secure_cookies,
                       batch_roots=tuple(batch_root), engine=engine, model=model or "base", lang=lang)
    if admin and serve.needs_admin(config):
        password = os.environ.get("VOICECOACH_ADMIN_PASSWORD") or typer.prompt(f"password for {admin}", hide_input=True, confirmation_prompt=True)
        serve.create_admin(config, admin, password)
        _say(f"admin account {admin} created")
    elif serve.needs_admin(config) and not trusted_header:
        raise VoiceCoachError("the store has no admin account yet; start with --admin NAME to create one")
    _say(f"voicecoach web app on http://{host}:{port}/ (store {db}, {config.workers} analysis worker(s)); Ctrl-C stops it")
    serve.run(config, host=host, port=port)


def main() -> None:
    """Entry point of the ``voicecoach`` script."""
    logging.basicConfig(level=os.environ.get("VOICECOACH_LOG", "WARNING").upper(), format="%(levelname)s %(name)s: %(message)s")
    try:
        app()
    except KeyboardInterrupt:
        _err("interrupted")
        sys.exit(130)
    except BrokenPipeError:  # the reader went away while click itself was writing
        _stdout_gone()
        sys.exit(0)


if __name__ == "__main__":  # pragma: no cover
    main()
