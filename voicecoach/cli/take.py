"""Commands for one take: analyze, compare (trainer mode), setup, targets."""

from __future__ import annotations

from pathlib import Path
from typing import Optional

import typer

from voicecoach import i18n
from voicecoach.cli.app import (
    DeviceOpt,
    LangOpt,
    ModelOpt,
    _check_lang,
    _given,
    _progress,
    _say,
    _writing,
    app,
    guarded,
)
from voicecoach.errors import VoiceCoachError
from voicecoach.i18n import N_


@app.command()
@guarded
def analyze(
    recording: Path = typer.Argument(..., help="Audio file: WAV, FLAC, MP3, M4A/AAC, OGG/Opus..."),
    channel: Optional[str] = typer.Option(None, "--channel", help="mix, left, right, or a channel number (1-based)."),
    targets: Optional[Path] = typer.Option(None, "--targets", help="Your organisation's targets TOML (overrides any subset of the defaults)."),
    phrases: Optional[Path] = typer.Option(None, "--phrases", help="Your organisation's phrase list TOML (wording rules: overrides and extends the defaults; see voicecoach phrases --show)."),
    whole_call: bool = typer.Option(False, "--whole-call", help="The recording is a whole call, not a practice take: check the greeting and closing lines."),
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
        result = run(recording, targets=targets, phrases=phrases, whole_call=whole_call, script=script, scripts_dir=scripts_dir, recognizer=recognizer, use_cache=not no_cache,
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
    phrases: Optional[Path] = typer.Option(None, "--phrases", help="Your organisation's phrase list TOML (wording rules: overrides and extends the defaults; see voicecoach phrases --show)."),
    channel: Optional[str] = typer.Option(None, "--channel", help="Channel to analyse in both recordings."),
    model: Optional[str] = ModelOpt,
    device: Optional[str] = DeviceOpt,
    quiet: bool = typer.Option(False, "--quiet", "-q", help="Print only the report folder."),
) -> None:
    """Compare a trainee's take with a benchmark take, sentence by sentence."""
    from voicecoach.audio import AUDIO_EXTENSIONS
    from voicecoach.recognize import build_recognizer
    from voicecoach.trainer.compare import compare
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
    result = compare(trainee, takes, targets=targets, phrases=phrases, script=script, scripts_dir=scripts_dir,
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



@app.command()
@guarded
def setup(
    model: Optional[str] = ModelOpt,
    allow_download: bool = typer.Option(False, "--allow-download", help="Let a hub model be downloaded."),
) -> None:
    """Assemble and verify the model, and warm every cache, so the first analysis is fast."""
    import numpy as np

    from voicecoach.audio import Audio
    from voicecoach.measures.p56 import active_level
    from voicecoach.measures.pitch import track_pitch
    from voicecoach.recognize import build_recognizer

    spec = build_recognizer(**_given(model=model), allow_download=allow_download, use_cache=False).load()
    x = (0.1 * np.sin(2 * np.pi * 200 * np.arange(16000) / 16000)).astype(np.float32)
    track_pitch(Audio(x, 16000))
    active_level(x, sample_rate_hz=16000)
    typer.echo(f"model ready: {spec.path} (sha256 {spec.sha256})")


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


@app.command("phrases")
@guarded
def phrases_cmd(
    check: Optional[Path] = typer.Option(None, "--check", help="Validate an organisation's phrase list."),
    show: bool = typer.Option(False, "--show", help="Print the default wording rules."),
) -> None:
    """Show the default wording rules (话术), or check your own phrase list."""
    from voicecoach.wording import default_phrases_path, load_rules

    if show or check is None:
        typer.echo(default_phrases_path().read_text(encoding="utf-8"))
    if check is not None:
        rules = load_rules(check)
        counts = ", ".join(f"{k} {v}" for k, v in rules.to_dict()["n_rules"].items())
        typer.echo(f"{check}: OK; rules in effect: {counts}")
