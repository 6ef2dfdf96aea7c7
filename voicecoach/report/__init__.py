"""Report writers: report.json, report.html, charts, terminal summary."""

from __future__ import annotations

import os
import shutil
import sys
import time
import urllib.parse
from concurrent.futures import Executor, Future, ProcessPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path


@dataclass(frozen=True)
class ReportFiles:
    """Paths of a written report."""

    folder: Path
    json: Path
    html: Path
    charts: tuple[Path, ...]
    timings_s: dict = field(default_factory=dict)

    def to_dict(self) -> dict:
        return {"folder": str(self.folder), "json": str(self.json), "html": str(self.html), "charts": [str(p) for p in self.charts]}


def default_report_dir(source_path: str | os.PathLike, out: str | os.PathLike | None = None) -> Path:
    """``<out or the recording's folder>/<stem>.report``."""
    p = Path(source_path)
    base = Path(out) if out is not None else p.parent
    return base / f"{p.stem}.report"


def write_report(a, folder: str | os.PathLike, *, lang: str | None = None, full_paths: bool = False) -> ReportFiles:
    """Write report.json, report.html and the chart PNGs of an analysis into ``folder``.

    The report is written into a temporary folder beside ``folder`` and renamed into place
    when complete, so a full disk or a crash never leaves half a report (or breaks an older
    one); the temporary folder is removed on failure. ``full_paths`` keeps absolute paths
    (recording, model, targets) in report.json; by default it names files and gives their
    checksums (see :func:`~voicecoach.report.jsonio.without_paths`).
    """
    final = Path(folder)
    final.parent.mkdir(parents=True, exist_ok=True)
    work = final.with_name(f".{final.name[:100]}.{os.getpid()}.tmp")  # short: a long name must still fit
    shutil.rmtree(work, ignore_errors=True)
    try:
        work.mkdir()
        files = _write_into(a, work, lang=lang or a.lang, full_paths=full_paths)
        _swap_in(work, final)
    except BaseException:
        shutil.rmtree(work, ignore_errors=True)
        raise
    moved = lambda p: final / p.relative_to(work)  # noqa: E731
    return ReportFiles(final, moved(files.json), moved(files.html), tuple(moved(c) for c in files.charts), files.timings_s)


def _swap_in(work: Path, final: Path) -> None:
    """Put a finished report folder in place of ``final`` (an older report is replaced)."""
    if not final.exists():
        os.rename(work, final)
        return
    old = final.with_name(f".{final.name[:100]}.{os.getpid()}.old")
    shutil.rmtree(old, ignore_errors=True)
    os.rename(final, old)
    try:
        os.rename(work, final)
    except OSError:
        os.rename(old, final)
        raise
    shutil.rmtree(old, ignore_errors=True)


def _write_into(a, out: Path, *, lang: str, full_paths: bool) -> ReportFiles:
    from voicecoach.report.charts import write_charts
    from voicecoach.report.html import MAX_EMBED_S, page_audio, write_html
    from voicecoach.report.jsonio import analysis_to_dict, write_json

    timings = {}
    t = time.perf_counter()
    json_path = write_json(analysis_to_dict(a, full_paths=full_paths), out / "report.json")
    timings["json"], t = time.perf_counter() - t, time.perf_counter()
    src = Path(a.loaded.source.path)
    href = urllib.parse.quote(os.fsencode(os.path.relpath(src, out))) if src.exists() else None  # a URL, whatever the name's bytes
    # The page's audio is encoded in a second process while the charts are drawn (a thread
    # does not help: both hold the GIL). 1.8 s of encoding for 10 minutes, hidden behind ~1.6 s
    # of charts on two cores.
    # Only audio that is embedded goes to the helper: the call's arguments travel pickled, and a
    # 3-hour recording's samples (690 MB) would be copied for a page that only links to it.
    with background() as pool:
        audio = pool.submit(page_audio, a.loaded.audio, href) if a.loaded.audio.duration_s <= MAX_EMBED_S else None
        charts = write_charts(a, out / "charts", lang=lang)
        timings["charts"] = time.perf_counter() - t
        audio_src = audio.result() if audio is not None else page_audio(a.loaded.audio, href)
    t = time.perf_counter()
    html_path = write_html(_page_view(a, full_paths), charts, out / "report.html", lang=lang, audio_src=audio_src)
    timings["html"] = time.perf_counter() - t
    return ReportFiles(out, json_path, html_path, tuple(charts["summary"] + charts["timeline"]), timings)


def _page_view(a, full_paths: bool):
    """The analysis as the page shows it: targets files by name (not by their path here, unless
    ``full_paths``), and a file name that is not UTF-8 with U+FFFD for its odd bytes."""
    import dataclasses

    from voicecoach.errors import safe_text

    files = tuple(a.targets.files) if full_paths else tuple(os.path.basename(f) for f in a.targets.files)
    source = dataclasses.replace(a.loaded.source, path=safe_text(a.loaded.source.path))
    return dataclasses.replace(a, targets=dataclasses.replace(a.targets, files=files), loaded=dataclasses.replace(a.loaded, source=source))


class _Inline(Executor):
    """Runs the job at once, in this process (one core, or no fork on this platform)."""

    def submit(self, fn, /, *args, **kwargs):
        f: Future = Future()
        try:
            f.set_result(fn(*args, **kwargs))
        except BaseException as e:  # delivered by f.result(), as a pool would
            f.set_exception(e)
        return f


def background() -> Executor:
    """One forked helper process for work that overlaps chart drawing (inline where forking
    does not pay: one core, or not Linux)."""
    if sys.platform.startswith("linux") and (os.cpu_count() or 1) >= 2:
        import multiprocessing

        return ProcessPoolExecutor(max_workers=1, mp_context=multiprocessing.get_context("fork"))
    return _Inline()
