"""QA inputs: the calls of a batch, from files, folders, globs or a manifest CSV."""

from __future__ import annotations

import csv
import glob
import logging
import os
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Sequence

from voicecoach.audio import AUDIO_EXTENSIONS
from voicecoach.errors import VoiceCoachError
from voicecoach.i18n import N_

log = logging.getLogger(__name__)


MANIFEST_FIELDS = {"path": ("path", "file", "filename", "audio"), "call_id": ("call_id", "call", "id"),
                   "agent_id": ("agent_id", "agent"), "date": ("date", "call_date"), "channel": ("channel", "agent_channel"),
                   "customer_path": ("customer_path", "customer_file", "customer"), "kind": ("kind",)}
"""Manifest columns and the header names each is found under. ``channel``: the agent's channel
(of a stereo call: ``left``/``right``/``1``/``2``, empty or ``mix``: guessed; ``mono``: both
voices in one channel, separated); ``customer_path``: a two-file call's customer side (``path``
is then the agent's file); ``kind``: ``call`` for a two-sided call, ``take`` (or empty) for one
speaker's recording, so one manifest can hold both."""


@dataclass(frozen=True)
class Job:
    """One call to score.

    Attributes
    ----------
    path : str
    call_id, agent_id : str or None
    call_date : str or None
        ISO date (YYYY-MM-DD).
    channel : str
        Which channel is the agent (``mix``, ``left``, ``right``, ``1``...; of a call also
        ``mono``: one channel holding both voices).
    extra : dict
        Any other manifest columns, kept with the result.
    call : bool
        A two-sided call (agent and customer), measured with
        :func:`voicecoach.conversation.analyze_call`; else a single-sided take.
    customer_path : str or None
        A two-file call's customer recording (``path`` is the agent's).
    """

    path: str
    call_id: str | None = None
    agent_id: str | None = None
    call_date: str | None = None
    channel: str = "mix"
    extra: dict = field(default_factory=dict)
    call: bool = False
    customer_path: str | None = None


# --------------------------------------------------------------------------------------- inputs


def discover(inputs: Sequence[str | os.PathLike], *, manifest: str | os.PathLike | None = None, channel: str = "mix",
             allow_any_path: bool = False, calls: bool = False) -> list[Job]:
    """Jobs from folders (recursive), files, globs, and/or a CSV manifest.

    A manifest's ``path`` column is relative to the manifest's folder (or to the first input
    folder when given); it may carry ``call_id``, ``agent_id``, ``date``, ``channel`` and any
    other columns (kept as ``extra``).

    Parameters
    ----------
    calls : bool
        Every recording is a two-sided call (stereo, one side per channel; or ``channel`` mono).
        A manifest row with a ``customer_path`` is a two-file call whatever this says.
    allow_any_path : bool
        Let manifest entries point outside the folders named (the manifest's own folder and
        the input folders). By default such an entry (an absolute path elsewhere, ``../``, or
        a link leading out) stops the batch before any file is opened: a manifest from
        someone else must not make voicecoach read other files of this machine.
    """
    jobs: list[Job] = []
    if manifest is not None:
        m = Path(manifest)
        base = Path(inputs[0]) if inputs and Path(inputs[0]).is_dir() else None
        jobs += _from_manifest(m, base=base, channel=channel, calls=calls)
        if not allow_any_path:
            roots = [m.parent] + [Path(i) for i in inputs if Path(i).is_dir()]
            _refuse_outside(jobs, roots, m)
        return jobs
    for item in inputs:
        p = Path(item)
        if p.is_dir():
            files = sorted(f for f in p.rglob("*") if f.is_file() and f.suffix.lower() in AUDIO_EXTENSIONS)
        elif p.is_file():
            files = [p]
        else:
            files = sorted(Path(f) for f in glob.glob(str(item), recursive=True) if Path(f).is_file())
            if not files:
                raise VoiceCoachError.of(N_("{item} matches no file; give a folder, a file, a glob or --manifest"), item=item)
        jobs += [Job(str(f), call_id=f.stem, channel=channel, call=calls) for f in files]
    return jobs


def _refuse_outside(jobs: list[Job], roots: list[Path], manifest: Path) -> None:
    resolved = [r.resolve() for r in roots]
    outside = [j for j in jobs if not all(any(Path(p).resolve().is_relative_to(r) for r in resolved) for p in (j.path, j.customer_path) if p)]
    if outside:
        first = outside[0]
        raise VoiceCoachError(
            f"manifest {manifest.name}: {len(outside)} entr{'y' if len(outside) == 1 else 'ies'} (first: call {first.call_id}) "
            "lie outside the manifest's folder and the folders given; move the recordings there, or pass --allow-any-path"
        )


def _from_manifest(path: Path, *, base: Path | None, channel: str, calls: bool = False) -> list[Job]:
    try:
        with open(path, newline="", encoding="utf-8-sig") as f:
            rows = list(csv.DictReader(f))
    except (OSError, UnicodeDecodeError) as e:
        raise VoiceCoachError.of(N_("cannot read the manifest {name} ({reason}); give a UTF-8 CSV with a path column"), name=path.name, reason=getattr(e, 'strerror', None) or type(e).__name__) from None
    if not rows:
        raise VoiceCoachError.of(N_("the manifest {name} has no rows; add one line per call with its path"), name=path.name)
    header = {h.strip().lower(): h for h in rows[0]}
    col = {k: next((header[a] for a in names if a in header), None) for k, names in MANIFEST_FIELDS.items()}
    if col["path"] is None:
        raise VoiceCoachError.of(N_("the manifest {name} has no path column (one of: {columns}); add one"), name=path.name, columns=', '.join(MANIFEST_FIELDS['path']))
    root = base or path.parent
    known = {v for v in col.values() if v}
    jobs = []
    for i, r in enumerate(rows, 2):
        p = Path(r[col["path"]].strip())
        p = p if p.is_absolute() else root / p
        cp = (r.get(col["customer_path"]) or "").strip() if col["customer_path"] else ""
        cp = (Path(cp) if Path(cp).is_absolute() else root / cp) if cp else None
        d = (r.get(col["date"]) or "").strip() if col["date"] else ""
        if d:
            try:
                d = date.fromisoformat(d[:10]).isoformat()
            except ValueError:
                raise VoiceCoachError.of(N_("manifest {name} line {line}: date '{date}' is not YYYY-MM-DD"), name=path.name, line=i, date=d) from None
        jobs.append(Job(
            path=str(p),
            call_id=(r.get(col["call_id"]) or "").strip() or p.stem if col["call_id"] else p.stem,
            agent_id=(r.get(col["agent_id"]) or "").strip() or None if col["agent_id"] else None,
            call_date=d or None,
            channel=((r.get(col["channel"]) or "").strip() or channel) if col["channel"] else channel,
            extra={k: v for k, v in r.items() if k not in known},
            call=_is_call(r.get(col["kind"]) if col["kind"] else None, calls or cp is not None, name=path.name, line=i),
            customer_path=str(cp) if cp else None,
        ))
    return jobs


def _is_call(kind: str | None, default: bool, *, name: str, line: int) -> bool:
    k = (kind or "").strip().lower()
    if not k:
        return default
    if k not in ("call", "take"):
        raise VoiceCoachError.of(N_("manifest {name} line {line}: kind '{kind}' is neither call nor take"), name=name, line=line, kind=kind)
    return k == "call"
