"""What the course's schematic diagrams share (tools/draw_*.py): one style, a rounded box, an arrow, saving an SVG
without a date, and a command line that writes into nbs/images (or a folder given as the first argument).

The SVGs keep text as text and carry no date, so a committed file only changes when its drawing does."""
import sys
from pathlib import Path

import matplotlib
matplotlib.use("Agg")
import matplotlib.pyplot as plt
from matplotlib.patches import FancyBboxPatch

ROOT = Path(__file__).resolve().parents[1]
plt.rcParams.update({"svg.fonttype": "none", "svg.hashsalt": "resnet_cifar_edu", "font.size": 10,
                     "font.family": "DejaVu Sans"})
FILL, EDGE = "#dbe9f6", "#333333"  # the usual box colour, lines

def box(ax, x, y, w, h, text, color=FILL, size=10, weight="normal", rounding=0.15):
    "A rounded box centred on (x, y) with `text` inside."
    ax.add_patch(FancyBboxPatch((x - w / 2, y - h / 2), w, h, boxstyle=f"round,pad=0.02,rounding_size={rounding}",
                                fc=color, ec=EDGE, lw=1))
    ax.text(x, y, text, ha="center", va="center", fontsize=size, weight=weight)

def arrow(ax, xy_from, xy_to, color=EDGE, **kw):
    "An arrow from `xy_from` to `xy_to`; `kw` goes to matplotlib's arrowprops (e.g. a curved `connectionstyle`)."
    ax.annotate("", xy=xy_to, xytext=xy_from, arrowprops=dict(arrowstyle="-|>", color=color, lw=1.2, shrinkA=0,
                                                               shrinkB=0, **kw))

def save(fig, path):
    "Write `fig` to `path` as an SVG without a date, and close it."
    fig.tight_layout()
    fig.savefig(path, metadata={"Date": None}); plt.close(fig)

def main(drawings: dict):
    "Command line: draw each `{file name: function(path)}` into nbs/images, or the folder named by the first argument."
    out = Path(sys.argv[1]) if len(sys.argv) > 1 else ROOT/"nbs"/"images"
    out.mkdir(parents=True, exist_ok=True)
    for name, draw in drawings.items():
        draw(out/name)
        print("wrote", out/name)
