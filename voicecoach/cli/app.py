"""The typer app, its shared options and the one error boundary every command runs inside."""

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
DbOpt = typer.Option("voicecoach.sqlite", "--db", help="Result store: a SQLite file, or postgresql://user@host/db.")
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
