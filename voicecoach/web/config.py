"""Settings of one web app instance (every default written once, here)."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path


MAX_FILES_PER_POST = 50
"""Files one QA batch upload may hold."""


@dataclass(frozen=True)
class WebConfig:
    """What ``voicecoach serve`` runs with.

    Attributes
    ----------
    db : str
        Result store: a SQLite file or a database URL (the web tables live beside the store's).
    data_dir : Path
        Uploads (content-hash names) and report pages; nothing else is written.
    workers : int
        Analysis processes, each loading the recogniser once; more uploads wait in the queue.
    max_upload_bytes : int
        Larger uploads are refused before they are stored.
    max_duration_s : float
        Longer recordings are refused, s.
    session_hours : float
        How long a sign-in lasts, h.
    secure_cookies : bool
        Mark cookies Secure (the app is served over TLS, directly or behind a proxy).
    trusted_header : str or None
        Name of the header a single-sign-on proxy sets to the signed-in user name; only for
        an app that is reachable through that proxy alone.
    login_attempts : int
        Failed sign-ins per user name (and per client) within ``login_window_s`` before more are refused.
    login_window_s : float
    recognizer : str or None
        ``module:callable`` returning a recogniser, built once per worker (tests use a fake);
        None: the bundled Whisper model ``model``.
    model : str
    lang : str
        Default page language (and the reports' language), any code ``voicecoach.i18n.normalize``
        reads: ``zh``, ``zh-Hant`` or ``en``.
    engine : str
        ``local`` or ``ray``, for QA batches over a server folder.
    batch_roots : tuple of Path
        Server folders QA may start a batch over (nothing outside them).
    targets, phrases : str or None
        The organisation's targets TOML and phrase list TOML (wording rules), for every
        upload, comparison and folder batch; None: the guide's defaults.
    """

    db: str = "voicecoach.sqlite"
    data_dir: Path = Path("voicecoach-web")
    workers: int = 1
    max_upload_bytes: int = 100 * 1024 * 1024
    max_duration_s: float = 30 * 60.0
    session_hours: float = 12.0
    secure_cookies: bool = False
    trusted_header: str | None = None
    login_attempts: int = 5
    login_window_s: float = 15 * 60.0
    recognizer: str | None = None
    model: str = "base"
    lang: str = "zh"
    engine: str = "local"
    batch_roots: tuple = ()
    targets: str | None = None
    phrases: str | None = None

    @property
    def uploads_dir(self) -> Path:
        return Path(self.data_dir) / "uploads"

    @property
    def reports_dir(self) -> Path:
        return Path(self.data_dir) / "reports"


def default_workers() -> int:
    """One analysis process per two cores (each uses two inference threads), at least one."""
    return max(1, (os.cpu_count() or 1) // 2)
