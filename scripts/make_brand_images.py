"""Draw the integration's brand images (icon 256/512 px, logo) with matplotlib: a house whose
roof line is an anomaly spike. Run: .venv/bin/python scripts/make_brand_images.py"""

from __future__ import annotations

from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
from matplotlib.axes import Axes
from matplotlib.patches import Polygon, Rectangle

BRAND = Path(__file__).resolve().parent.parent / "custom_components" / "home_anomaly" / "brand"
BLUE, RED = "#1f6fb2", "#e8453c"


def draw_icon(ax: Axes) -> None:
    ax.add_patch(Polygon([(0.12, 0.5), (0.5, 0.88), (0.88, 0.5)], closed=True, color=BLUE))
    ax.add_patch(Rectangle((0.2, 0.1), 0.6, 0.42, color=BLUE))
    xs = [0.26, 0.36, 0.44, 0.5, 0.56, 0.64, 0.74]
    ys = [0.3, 0.3, 0.27, 0.45, 0.2, 0.3, 0.3]
    ax.plot(xs, ys, color="white", lw=6, solid_capstyle="round", solid_joinstyle="round")
    ax.plot([0.5], [0.45], "o", color=RED, markersize=14)
    ax.set_xlim(0, 1)
    ax.set_ylim(0, 1)
    ax.axis("off")


def main() -> None:
    BRAND.mkdir(parents=True, exist_ok=True)
    for name, size in (("icon.png", 256), ("icon@2x.png", 512)):
        figure = plt.figure(figsize=(1, 1), dpi=size)
        draw_icon(figure.add_axes((0, 0, 1, 1)))
        figure.savefig(BRAND / name, transparent=True)
        plt.close(figure)
    for name, dpi in (("logo.png", 128), ("logo@2x.png", 256)):
        figure = plt.figure(figsize=(4, 1), dpi=dpi)
        draw_icon(figure.add_axes((0, 0, 0.25, 1)))
        text = figure.add_axes((0.27, 0, 0.73, 1))
        text.text(0, 0.5, "Home Anomaly", fontsize=22, va="center", color=BLUE, weight="bold")
        text.axis("off")
        figure.savefig(BRAND / name, transparent=True)
        plt.close(figure)


if __name__ == "__main__":
    main()
