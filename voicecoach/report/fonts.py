"""Pick a font that can draw Chinese, if the machine has one (charts fall back to English).

matplotlib keeps its list of the machine's fonts in a cache file (``fontlist-v*.json`` in
``matplotlib.get_cachedir()``) and does not look again when a font is installed later: a cache
built before the CJK font arrived (``make demo`` on a new machine, then ``make test`` installing
``fonts-wqy-microhei``) would hide it for good and every chart would silently fall back to
English. So when no CJK family is in that list, :func:`cjk_font` asks fontconfig (``fc-list
:lang=zh``) and the usual install places for font files and adds them with
``fontManager.addfont``; ``python -m voicecoach.report.fonts --refresh`` (run by ``make``)
also rewrites the stale cache file so later processes find the font straight away.
"""

from __future__ import annotations

import contextlib
import glob
import logging
import os
import shutil
import subprocess
import sys
from functools import lru_cache
from pathlib import Path

CJK_FAMILIES = (
    "Noto Sans CJK SC", "Noto Sans SC", "Source Han Sans SC", "WenQuanYi Micro Hei", "WenQuanYi Zen Hei",
    "Microsoft YaHei", "SimHei", "PingFang SC", "Hiragino Sans GB", "Heiti SC", "Arial Unicode MS",
)
# Where those families are usually installed, for a machine whose fontconfig is missing or
# whose matplotlib cache predates the font (glob patterns; first match wins per pattern).
KNOWN_FILES = (
    "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc",
    "/usr/share/fonts/noto-cjk/NotoSansCJK-Regular.ttc",
    "/usr/share/fonts/google-noto-cjk/NotoSansCJK-Regular.ttc",
    "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc",
    "/usr/share/fonts/wenquanyi/wqy-microhei/wqy-microhei.ttc",
    "/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc",
    "/usr/share/fonts/*/wqy*/wqy-*hei.ttc",
    "/System/Library/Fonts/PingFang.ttc",
    "/System/Library/Fonts/Hiragino Sans GB.ttc",
    "/Library/Fonts/Arial Unicode.ttf",
    "C:/Windows/Fonts/msyh.ttc",
    "C:/Windows/Fonts/simhei.ttf",
)
# Characters every Chinese chart draws: a font counts as CJK only if it has all of them.
PROBE = "语速音量停顿拖音分秒目标"


def has_glyphs(path: str, text: str, face_index: int = 0) -> bool:
    """Whether the font file at ``path`` has a glyph for every character of ``text``."""
    from matplotlib import ft2font

    try:
        cmap = ft2font.FT2Font(str(path), face_index=face_index).get_charmap()
    except Exception:  # unreadable or not a font
        return False
    return all(ord(c) in cmap for c in text if not c.isspace())


def _families_with_glyphs(fm, files: frozenset[str] = frozenset()) -> dict[str, str]:
    """Families in matplotlib's font list that can draw :data:`PROBE`, name -> file: those
    named in :data:`CJK_FAMILIES`, and any whose file is one of ``files``."""
    found: dict[str, str] = {}
    for f in fm.ttflist:
        if f.name in found or not (f.name in CJK_FAMILIES or f.fname in files):
            continue
        if has_glyphs(f.fname, PROBE, getattr(f, "index", 0)):
            found[f.name] = f.fname
    return found


def _fc_list_files() -> list[str]:
    """Font files fontconfig says cover Chinese (empty when fontconfig is not installed)."""
    exe = shutil.which("fc-list")
    if not exe:
        return []
    try:
        out = subprocess.run([exe, ":lang=zh", "file"], capture_output=True, text=True, timeout=20).stdout
    except (OSError, subprocess.SubprocessError):
        return []
    return sorted({line.split(":")[0].strip() for line in out.splitlines() if line.strip()})


def candidate_files() -> list[str]:
    """CJK font files on this machine, from fontconfig and the usual install places."""
    files = _fc_list_files()
    for pattern in KNOWN_FILES:
        files += sorted(glob.glob(pattern))
    seen: set[str] = set()
    return [f for f in files if os.path.isfile(f) and not (f in seen or seen.add(f))]


def _pick(found: dict[str, str]) -> str | None:
    for name in CJK_FAMILIES:
        if name in found:
            return name
    return next(iter(sorted(found)), None)


_ADDED: list[str] = []  # font files added past matplotlib's cached font list


@lru_cache(maxsize=1)
def cjk_font() -> str | None:
    """Name of an installed font family with Chinese glyphs, or None.

    Looks in matplotlib's font list first; when that has none (a cache older than the font),
    adds the CJK font files fontconfig and the usual places know, so a stale cache cannot
    hide a font installed after it was built.
    """
    from matplotlib import font_manager

    fm = font_manager.fontManager
    name = _pick(_families_with_glyphs(fm))
    if name:
        return name
    files = candidate_files()
    known = {f.fname for f in fm.ttflist}
    for path in files:
        if path in known:
            continue
        try:
            fm.addfont(path)
        except Exception:  # a file fontconfig lists but FreeType cannot open
            continue
        _ADDED.append(path)
    return _pick(_families_with_glyphs(fm, frozenset(files)))


def cjk_font_file() -> str | None:
    """The file matplotlib draws :func:`cjk_font` from, or None."""
    name = cjk_font()
    if not name:
        return None
    from matplotlib import font_manager

    return str(font_manager.findfont(font_manager.FontProperties(family=[name]), fallback_to_default=False))


def chart_lang(lang: str) -> str:
    """The language charts can be drawn in: the page's, Chinese (Simplified or Traditional)
    only when a CJK font exists, else English."""
    from voicecoach import i18n

    code = i18n.normalize(lang)
    return code if code == "en" or cjk_font() else "en"


def rc(lang: str) -> dict:
    """matplotlib rc settings for a chart in ``lang``.

    Chinese charts draw everything with the CJK font first; English charts draw with DejaVu
    Sans and fall back to the CJK font for the glyphs DejaVu lacks (Chinese agent names in the
    QA summary, a Chinese file name), so those never come out as boxes.
    """
    font = cjk_font()
    if lang in ("zh", "zh-Hant") and font:
        families = [font, "DejaVu Sans"]
    else:
        families = ["DejaVu Sans"] + ([font] if font else [])
    # Concrete family names (not "sans-serif"): text objects keep them, so a figure saved
    # after the rc context has closed still draws with the CJK font.
    return {"font.family": families, "axes.unicode_minus": False, "svg.fonttype": "none"}


@contextlib.contextmanager
def quiet_font_log():
    """matplotlib's font manager kept quiet while a chart is drawn or saved (CJK fonts have no
    bold face, and it says so for every bold label)."""
    logger = logging.getLogger("matplotlib.font_manager")
    level = logger.level
    logger.setLevel(logging.ERROR)
    try:
        yield
    finally:
        logger.setLevel(level)


@contextlib.contextmanager
def chart_style(lang: str):
    """Draw a chart in ``lang``: :func:`rc` applied, the font manager quiet (:func:`quiet_font_log`)."""
    import matplotlib

    with quiet_font_log(), matplotlib.rc_context(rc(lang)):
        yield


def refresh_cache() -> bool:
    """Rewrite matplotlib's font-list cache when it misses a CJK font the machine has.

    Returns True when the cache file was rewritten.
    """
    import matplotlib
    from matplotlib import font_manager

    if not cjk_font() or not _ADDED:
        return False  # no CJK font, or the cache already knew it
    cache = Path(matplotlib.get_cachedir(), f"fontlist-v{font_manager.FontManager.__version__}.json")
    font_manager.json_dump(font_manager.FontManager(), cache)  # a fresh scan of the system's fonts
    return True


def main(argv: list[str] | None = None) -> int:
    """``python -m voicecoach.report.fonts [--refresh]``: say which font Chinese charts use."""
    argv = sys.argv[1:] if argv is None else argv
    name = cjk_font()
    if not name:
        print("charts: no CJK font found, Chinese charts are drawn in English "
              "(Debian: apt-get install fonts-wqy-microhei; `make demo` and `make test` do this as root)")
        return 0
    how = " (added past a stale matplotlib font cache)" if _ADDED else ""
    if "--refresh" in argv and refresh_cache():
        how = " (matplotlib's font cache was stale: rebuilt)"
    print(f"charts: Chinese text drawn with {name} ({cjk_font_file()}){how}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
