"""Debian's Chromium through Playwright, and the checks every page must pass in it: no
horizontal overflow, and every CJK character drawn with a font that has it."""

from __future__ import annotations

import contextlib
import os
import re
import shutil
from pathlib import Path

import pytest

CHROMIUM = shutil.which("chromium") or ("/usr/bin/chromium" if Path("/usr/bin/chromium").exists() else None)
needs_chromium = pytest.mark.skipif(CHROMIUM is None and not os.environ.get("VOICECOACH_REQUIRE_BROWSER"),
                                    reason="Debian chromium not installed (scripts/system-deps.sh installs it)")
WIDTHS = (390, 1440)
CJK = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]")
CJK_FONTS = ("wenquanyi", "noto sans cjk", "noto serif cjk", "source han", "pingfang", "microsoft yahei", "droid sans fallback", "ar pl")


@contextlib.contextmanager
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        b = pw.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                                                               "--disable-component-update", "--autoplay-policy=no-user-gesture-required"])
        try:
            yield b
        finally:
            b.close()


def no_horizontal_overflow(page) -> None:
    """The page is no wider than the viewport (a wide table may scroll inside its own box)."""
    scroll, inner = page.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
    assert scroll <= inner, f"page is {scroll} px wide in a {inner} px viewport"


def cjk_glyphs_drawn(page, selector: str = "body *") -> int:
    """Every element whose own text has CJK characters is drawn with a CJK font (Chromium's
    platform fonts for the node, through the DevTools protocol), so no character is a box.
    Returns how many elements were checked."""
    cdp = page.context.new_cdp_session(page)
    cdp.send("DOM.enable")
    cdp.send("CSS.enable")
    root = cdp.send("DOM.getDocument", {"depth": -1, "pierce": False})["root"]
    checked = 0

    def walk(node):
        nonlocal checked
        for child in node.get("children", []):
            if child["nodeType"] == 3 and CJK.search(child.get("nodeValue", "")) and node.get("localName") not in ("script", "style", "title", "option"):
                fonts = cdp.send("CSS.getPlatformFontsForNode", {"nodeId": node["nodeId"]})["fonts"]
                names = [f["familyName"].lower() for f in fonts]
                if names:  # a node that is not rendered (display: none) has no fonts
                    assert any(k in n for n in names for k in CJK_FONTS), f"{child['nodeValue'][:30]!r} drawn with {names}"
                    checked += 1
            walk(child)

    walk(root)
    return checked
