"""Pick a font that can draw Chinese, if the machine has one (charts fall back to English)."""

from __future__ import annotations

from functools import lru_cache

CJK_FAMILIES = (
    "Noto Sans CJK SC", "Noto Sans SC", "Source Han Sans SC", "WenQuanYi Micro Hei", "WenQuanYi Zen Hei",
    "Microsoft YaHei", "SimHei", "PingFang SC", "Hiragino Sans GB", "Heiti SC", "Arial Unicode MS",
)


@lru_cache(maxsize=1)
def cjk_font() -> str | None:
    """Name of an installed font family with Chinese glyphs, or None."""
    from matplotlib import font_manager

    installed = {f.name for f in font_manager.fontManager.ttflist}
    for name in CJK_FAMILIES:
        if name in installed:
            return name
    return None


def chart_lang(lang: str) -> str:
    """The language charts can be drawn in: Chinese only when a CJK font exists."""
    return "zh" if lang == "zh" and cjk_font() else "en"


def rc(lang: str) -> dict:
    """matplotlib rc settings for a chart in ``lang``."""
    font = cjk_font() if lang == "zh" else None
    families = ([font] if font else []) + ["DejaVu Sans"]
    # Concrete family names (not "sans-serif"): text objects keep them, so a figure saved
    # after the rc context has closed still draws with the CJK font.
    return {"font.family": families, "axes.unicode_minus": False, "svg.fonttype": "none"}
