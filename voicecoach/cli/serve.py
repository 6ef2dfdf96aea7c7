"""Two-sided calls and the web app: call, serve."""

from __future__ import annotations

import math

import os
from pathlib import Path
from typing import Optional

import typer

from voicecoach.cli.app import DbOpt, LangOpt, ModelOpt, _check_lang, _given, _say, _writing, app, guarded
from voicecoach.errors import VoiceCoachError
from voicecoach.i18n import N_


@app.command("call")
@guarded
def call_cmd(
    recording: Path = typer.Argument(..., help="A stereo call (agent and customer on separate channels), or the agent's file with --customer."),
    customer: Optional[Path] = typer.Option(None, "--customer", help="The customer's file, when each side of the call is in its own file."),
    agent_channel: Optional[str] = typer.Option(None, "--agent-channel", help="The agent's channel of a stereo call: left or right (1 or 2). Default: guessed (the side that speaks first)."),
    targets: Optional[Path] = typer.Option(None, "--targets", help="Your organisation's targets TOML (its [conversation] section)."),
    out: Optional[Path] = typer.Option(None, "--out", help="JSON file to write (default: <recording>.call.json beside the recording)."),
    mono: bool = typer.Option(False, "--mono", help="Both sides are mixed in one channel: separate the two voices first (the agent: the voice heard first)."),
    html: Optional[Path] = typer.Option(None, "--html", help="Also write the call report page (one self-contained HTML file) here."),
    no_delivery: bool = typer.Option(False, "--no-delivery", help="On the --html page, leave out the agent's delivery (no speech recognition)."),
    lang: Optional[str] = LangOpt,
    model: Optional[str] = ModelOpt,
    quiet: bool = typer.Option(False, "--quiet", "-q", help="Print only the JSON file's path."),
) -> None:
    """Two-sided call: turn-taking, overtalk, response time, dead air, holds, pace matching."""
    import json

    from voicecoach.conversation import (
        analyze_call,
        load_stereo_call,
        load_two_file_call,
    )
    from voicecoach.errors import UsageError

    if customer is not None and agent_channel is not None:
        raise UsageError("--agent-channel picks a channel of one stereo file; with --customer the first file is the agent's: leave one out")
    if mono and customer is not None:
        raise UsageError("--mono reads both sides from one file; with --customer each side has its own file: leave one out")
    _check_lang(lang)
    if mono:
        from voicecoach.conversation import load_mono_call

        call = load_mono_call(recording, agent_voice=agent_channel)
    else:
        call = load_two_file_call(recording, customer) if customer is not None else load_stereo_call(recording, agent_channel=agent_channel)
    result = analyze_call(call, targets=targets)
    target = out or recording.with_name(recording.name + ".call.json")
    with _writing(target):
        target.write_text(json.dumps(result.to_dict(), ensure_ascii=False, indent=1), encoding="utf-8")
    if html is not None:
        _write_call_page(result, call, html, recording=recording, targets=targets, lang=lang, model=model, delivery=not no_delivery)
    if not quiet:
        for c in result.checks:
            mark = "  " if c.within is None else ("ok" if c.within else "!!")  # blank: not measured, or shown but not judged
            value = f"{c.value:.2f}" if math.isfinite(c.value) else "-"
            _say(f"{mark} {c.key.split('.', 1)[1]:<28} {value:>8} {c.unit}")
        for n in result.notices:
            _say(f"note: {n.message}")
        if html is not None:
            _say(str(html))
    _say(str(target))


def _write_call_page(result, call, html: Path, *, recording: Path, targets, lang, model, delivery: bool) -> None:
    """The call page: the agent's delivery on the agent's side only (unless left out), then the page."""
    from voicecoach.analysis import analyze
    from voicecoach.conversation.agent import agent_recording
    from voicecoach.i18n import normalize
    from voicecoach.recognize import build_recognizer
    from voicecoach.conversation.page import write_call_page

    agent = None
    side = agent_recording(call, agent_index=result.agent_index) if delivery else None
    if side is not None:
        recognizer = build_recognizer(**_given(model=model))
        agent = analyze(side, targets=targets, recognizer=recognizer, whole_call=True, **_given(lang=lang))
    try:
        write_call_page(result, call, html, agent=agent, lang=normalize(lang), file_name=recording.name)
    except OSError as e:
        from voicecoach.errors import OutputError, display_name

        raise OutputError.of(N_("cannot write the call page {name} into {where} ({reason}); choose a writable place with --html and run again"),
                             name=html.name, where=display_name(html.parent) or "the current folder", reason=e.strerror or type(e).__name__) from None


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
    targets: Optional[Path] = typer.Option(None, "--targets", help="Your organisation's targets TOML, for every upload and batch."),
    phrases: Optional[Path] = typer.Option(None, "--phrases", help="Your organisation's phrase list TOML (wording rules), for every upload and batch."),
    model: Optional[str] = ModelOpt,
    lang: str = LangOpt,
) -> None:
    """Start the web app (agents, trainers, QA) on this result store."""
    from voicecoach.web import serve
    from voicecoach.web.config import WebConfig, default_workers
    from voicecoach.web.library import load_rules, load_targets

    load_targets(targets), load_rules(phrases)  # a bad file stops here with its sentence, not in every worker
    config = WebConfig(db=db, data_dir=data_dir, workers=workers or default_workers(), trusted_header=trusted_header, secure_cookies=secure_cookies,
                       batch_roots=tuple(batch_root), engine=engine, model=model or "base", lang=lang,
                       targets=str(targets) if targets else None, phrases=str(phrases) if phrases else None)
    if admin and serve.needs_admin(config):
        password = os.environ.get("VOICECOACH_ADMIN_PASSWORD") or typer.prompt(f"password for {admin}", hide_input=True, confirmation_prompt=True)
        serve.create_admin(config, admin, password)
        _say(f"admin account {admin} created")
    elif serve.needs_admin(config) and not trusted_header:
        raise VoiceCoachError.of(N_("the store has no admin account yet; start with --admin NAME to create one"))
    _say(f"voicecoach web app on http://{host}:{port}/ (store {db}, {config.workers} analysis worker(s)); Ctrl-C stops it")
    serve.run(config, host=host, port=port)
