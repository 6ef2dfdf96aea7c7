"""How big a chart's text is on a screen: the smallest text of a figure shown at a width."""

from __future__ import annotations

import matplotlib.text
from matplotlib.backends.backend_agg import FigureCanvasAgg

PHONE_SHOWN_PX = 362  # a chart's width on a 390 px phone: the page's side padding taken off (the QA summary's; the report's is 370)
MIN_PHONE_TEXT_PX = 10.0  # CSS px; below this a reader zooms


def smallest_text_px(fig, shown_px: float) -> tuple[float, str]:
    """(size in CSS px, the text) of the smallest visible, non-empty text of ``fig`` when the
    figure is shown ``shown_px`` wide: a point is 1/72 inch of the figure's width."""
    FigureCanvasAgg(fig).draw()  # tick labels exist once the figure is drawn
    scale = shown_px / fig.get_figwidth()  # CSS px per inch of the figure
    texts = [t for t in fig.findobj(matplotlib.text.Text) if t.get_visible() and t.get_text().strip() and (t.axes is None or t.axes.get_visible())]
    return min((t.get_fontsize() / 72 * scale, t.get_text()) for t in texts)
