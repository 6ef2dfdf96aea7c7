"""One exception hierarchy and one notice type for the whole library.

Every error message is one sentence that says what is wrong, the constraint, what was got,
and what to do. The CLI prints ``str(error)`` and exits non-zero; it never shows a traceback
(tracebacks can hold customer transcripts in their locals).

Degraded but usable input (clipping, low SNR, very short speech) is not an error: it becomes a
:class:`Notice` that is logged and recorded in the result, so a report can say "measured on a
clipped recording".
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Mapping

from voicecoach import i18n


class VoiceCoachError(Exception):
    """Base class of every error voicecoach raises on purpose.

    The message is English (``str(error)``, what logs, stores and tests see). An error raised
    with :meth:`of` also keeps its message's English source string and the values that fill it,
    so the CLI can show it in the report language (:meth:`text`).

    Attributes
    ----------
    code : str
        A short stable identifier (``"corrupt_audio"``, ``"no_speech"``...) that batch stores
        and QA tools can group by.
    """

    code = "error"
    exit_code = 1

    def __init__(self, message: str, *, template: str | None = None, params: Mapping[str, Any] | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.template = template
        self.params = dict(params or {})

    @classmethod
    def of(cls, template: str, **params: Any) -> "VoiceCoachError":
        """The error whose message is ``template`` (an English source string marked with
        ``N_``; ``str.format`` fields) filled from ``params``."""
        return cls(template.format(**params), template=template, params=params)

    def text(self, lang: str | None) -> str:
        """The message in ``lang`` (English: the message itself; a message without a
        template, or one the catalogue lacks, stays English)."""
        if self.template is None or i18n.normalize(lang) == "en":
            return self.message
        try:
            return i18n.gettext(lang, self.template).format(**self.params)
        except (KeyError, ValueError, IndexError):
            return self.message

    def __str__(self) -> str:
        return self.message


class InputError(VoiceCoachError):
    """The recording cannot be analysed as it is."""

    code = "bad_input"
    exit_code = 2


class AudioNotFoundError(InputError):
    code = "not_found"


class NotAFileError(AudioNotFoundError):
    """The path is a folder, a pipe, a device or a looping link, not a recording file."""

    code = "not_a_file"


class EmptyAudioError(InputError):
    code = "empty"


class CorruptAudioError(InputError):
    code = "corrupt"


class UnsupportedAudioError(InputError):
    code = "unsupported"


class AudioTooLongError(InputError):
    code = "too_long"


class AudioTooShortError(InputError):
    code = "too_short"


class SilentAudioError(InputError):
    code = "silent"


class NoSpeechError(InputError):
    code = "no_speech"


class ChannelError(InputError):
    code = "bad_channel"


class CallMismatchError(InputError):
    """The two sides of a call do not line up (different lengths or sample rates)."""

    code = "call_mismatch"


class UsageError(VoiceCoachError, ValueError):
    """The library was called with arguments that cannot work together (a ValueError too, as
    Python callers expect); the message names the argument and what to pass."""

    code = "usage"
    exit_code = 2


class ModelError(VoiceCoachError):
    """The speech-recognition model cannot be found, assembled, verified or loaded."""

    code = "model"
    exit_code = 3


class TargetsError(VoiceCoachError):
    """A targets file is unreadable or holds a wrong value; the message names key and line."""

    code = "targets"
    exit_code = 4


class PhrasesError(TargetsError):
    """A phrase-list file (wording rules) is unreadable or holds a wrong entry; the message names entry and line."""

    code = "phrases"


class ScriptError(VoiceCoachError):
    """A script (the text that was meant to be said) cannot be read or found."""

    code = "script"
    exit_code = 4


class StoreError(VoiceCoachError):
    """The result store cannot be opened, migrated or written."""

    code = "store"
    exit_code = 5


class OutputError(VoiceCoachError):
    """A report, export or cache cannot be written (full disk, read-only folder)."""

    code = "output"
    exit_code = 6


def display_name(path, *, limit: int = 80) -> str:
    """A file's name as messages show it: no folders (they can tell who the user is), bytes
    that are not UTF-8 shown as U+FFFD, control characters escaped, long names shortened.

    Parameters
    ----------
    path : str or path-like
    limit : int
        Longest name shown, characters; longer ones keep their start and end around "…".
    """
    import os

    name = os.path.basename(os.fspath(path).rstrip("/")) or os.fspath(path)
    name = safe_text(name)
    name = "".join(c if c.isprintable() else repr(c)[1:-1] for c in name)
    if len(name) > limit:
        name = name[: limit // 2 - 1] + "…" + name[-(limit // 2 - 1):]
    return name


def safe_text(text: str) -> str:
    """``text`` with undecodable file-name bytes (lone surrogates) replaced, so it can be
    written as UTF-8 (JSON, HTML, a terminal)."""
    try:
        text.encode("utf-8")
        return text
    except UnicodeEncodeError:
        pass
    try:
        return text.encode("utf-8", "surrogateescape").decode("utf-8", "replace")
    except UnicodeEncodeError:  # a surrogate that no file-name byte made
        return text.encode("utf-8", "replace").decode("utf-8")


@dataclass(frozen=True)
class Notice:
    """A warning about degraded input, recorded in the result.

    Attributes
    ----------
    code : str
        Stable identifier, e.g. ``"clipping"``, ``"low_snr"``, ``"channels_differ"``.
    message : str
        One sentence for a person (English; :func:`voicecoach.judge.advice.notice_text` gives it in
        the report's language).
    params : dict
        The values the sentence quotes, for translations.
    """

    code: str
    message: str
    params: dict = field(default_factory=dict)

    def to_dict(self) -> dict:
        return {"code": self.code, "message": self.message, "params": dict(self.params)}
