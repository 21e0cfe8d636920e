"""Charts to high-resolution PNG, server-side, with kaleido 1.x driving the installed Chromium.

kaleido 1.x ships no browser: it drives a Chrome/Chromium found on the machine (through
choreographer). We never let it download one: `browser_path()` takes `BROWSER_PATH` (the variable
kaleido and choreographer read) when set, else the first of `chromium`, `chromium-browser`,
`google-chrome`... on PATH (Debian's `chromium` package installs /usr/bin/chromium), and passes
it explicitly. MathJax is disabled (kaleido would fetch it from a CDN); plotly.js comes from the
installed plotly package. Each export starts one headless browser, renders all its charts in it,
and closes it: no browser process outlives a request.
"""

from __future__ import annotations

import asyncio
import io
import os
import shutil
import threading
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor

import plotly.graph_objects as go

from .grid import CHART_SCALE, chart_pixels

BROWSER_NAMES = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable", "chrome")
#: Simultaneous exports per process (each runs a headless browser of ~150 MB).
_SLOTS = threading.BoundedSemaphore(max(1, int(os.environ.get("NPNRU_EXPORT_CONCURRENCY", "2"))))
RENDER_TIMEOUT = 90.0
#: Thickest bar drawn on a slide, as a share of the chart height (assets/04-presentation.js too).
MAX_BAR_SHARE = 0.14


class RenderError(RuntimeError):
    """A chart could not be rendered (no browser, browser crash, timeout)."""


def browser_path() -> str:
    """The Chromium/Chrome executable kaleido drives."""
    configured = os.environ.get("BROWSER_PATH")
    if configured:
        if os.path.isfile(configured) and os.access(configured, os.X_OK):
            return configured
        raise RenderError(f"BROWSER_PATH={configured!r} n'est pas un exécutable")
    for name in BROWSER_NAMES:
        found = shutil.which(name)
        if found:
            return found
    raise RenderError(
        "Chromium introuvable : installez le paquet Debian « chromium » (apt-get install chromium) "
        "ou indiquez le chemin du navigateur dans BROWSER_PATH"
    )


def export_figure(figure: go.Figure, width: int, height: int) -> go.Figure:
    """A copy of a framed figure redrawn at `width` x `height` CSS pixels.

    `theme.frame` places the title and the legend at fixed pixel distances for the figure's own
    height; they are moved so that those distances hold at the new height.
    """
    fig = go.Figure(figure)
    layout = fig.layout
    old = float(layout.height or 460)
    margin_t = float(layout.margin.t or 0)
    margin_b = float(layout.margin.b or 0)
    if layout.title.y is not None:
        fig.update_layout(title_y=1 - (1 - float(layout.title.y)) * old / height)
    if layout.legend.y is not None and float(layout.legend.y) < 0:
        old_plot, new_plot = max(old - margin_t - margin_b, 1), max(height - margin_t - margin_b, 1)
        fig.update_layout(legend_y=float(layout.legend.y) * old_plot / new_plot)
    # The chart title starts at the slide's left margin, like the slide title above it, and
    # labels written after the longest bar keep some room on the right.
    fig.update_layout(
        width=width,
        height=height,
        autosize=False,
        title_x=0,
        margin_r=max(int(layout.margin.r or 0), 56),
    )
    # A horizontal bar chart of few categories stretched to a slide would draw slabs: keep bars
    # at most MAX_BAR_SHARE of the chart height thick by widening the gaps.
    bars = [t for t in fig.data if t.type == "bar" and t.orientation == "h" and t.y is not None]
    if bars:
        fig.update_yaxes(ticklabelstandoff=8)
    if bars and len(fig.data) == len(bars) and "xaxis2" not in fig.layout:
        categories = len({str(y) for t in bars for y in t.y})
        plot = max(height - margin_t - margin_b, 1)
        gap = 1 - MAX_BAR_SHARE * height * categories / plot
        if gap > float(layout.bargap if layout.bargap is not None else 0.2):
            fig.update_layout(bargap=min(gap, 0.75))
    return fig


def _flatten(png: bytes) -> bytes:
    """The PNG on white, without its alpha channel (smaller, and simpler for PDF viewers)."""
    from PIL import Image

    with Image.open(io.BytesIO(png)) as image:
        if image.mode == "RGB":
            return png
        flat = Image.new("RGB", image.size, "white")
        flat.paste(image, mask=image.getchannel("A") if "A" in image.getbands() else None)
        out = io.BytesIO()
        flat.save(out, format="PNG", optimize=True)
        return out.getvalue()


def render_pngs(
    figures: Sequence[go.Figure], sizes: Sequence[tuple[int, int]], scale: float = CHART_SCALE
) -> list[bytes]:
    """PNG bytes of each figure at its CSS size times `scale`, in one browser session."""
    if not figures:
        return []
    path = browser_path()

    async def run() -> list[bytes]:
        import kaleido  # imported here: it starts nothing, but pulls choreographer in

        images = []
        async with kaleido.Kaleido(path=path, mathjax=False, n=1, timeout=RENDER_TIMEOUT) as renderer:
            for figure, (width, height) in zip(figures, sizes, strict=True):
                opts = {"format": "png", "width": width, "height": height, "scale": scale}
                images.append(_flatten(await renderer.calc_fig(export_figure(figure, width, height), opts=opts)))
        return images

    with _SLOTS, ThreadPoolExecutor(max_workers=1, thread_name_prefix="kaleido") as pool:
        # A thread of its own: asyncio.run needs a thread without a running event loop.
        future = pool.submit(asyncio.run, run())
        try:
            return future.result(timeout=RENDER_TIMEOUT * (len(figures) + 1))
        except Exception as exc:
            raise RenderError(f"rendu des graphiques impossible : {exc}") from exc


def render_deck(deck) -> None:
    """Fill the `image` of every chart slide of a deck (see `deck.Deck`)."""
    render_decks([deck])


def render_decks(decks: Sequence) -> None:
    """Render the charts of several decks in one browser session (tests, batch exports)."""
    slides = [slide for deck in decks for slide in deck.charts]
    sizes = [chart_pixels(bool(slide.note)) for slide in slides]
    for slide, size, image in zip(slides, sizes, render_pngs([s.figure for s in slides], sizes), strict=True):
        slide.image, slide.image_size = image, size
