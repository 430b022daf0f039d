"""Draw appendix A3's diagram as an SVG file in nbs/images: bf16_channels_last.svg, the two speed tricks of the PyTorch
loop in one picture (float32 and bfloat16 bit fields; the memory order of a 2×2 RGB picture, NCHW and channels_last).
Drawn once and committed; run this script again after changing it. Text stays text and the SVG carries no date.
Usage: python tools/draw_speed_figures.py [OUT_DIR]   (default: nbs/images)
"""
from matplotlib.patches import Rectangle
from diagram import EDGE, main, plt, save

SIGN, EXP, FRAC = "#f4b6b6", "#b9d4ef", "#cfe8c4"
CHANNEL = {"R": "#f4b6b6", "G": "#cfe8c4", "B": "#b9d4ef"}

def _bits(ax, y, name, fraction_bits, note):
    "One number format as a row of bit cells: 1 sign bit, 8 exponent bits, `fraction_bits` fraction bits."
    fields = [("sign", 1, SIGN), ("exponent", 8, EXP), ("fraction", fraction_bits, FRAC)]
    x = 0.0
    ax.text(-0.6, y + 0.5, name, ha="right", va="center", fontsize=10, weight="bold")
    for label, n, color in fields:
        for k in range(n): ax.add_patch(Rectangle((x + k, y), 1, 1, fc=color, ec="white", lw=0.8))
        ax.text(x + n / 2, y + 1.25, f"{label} {n}" if n > 1 else label, ha="center", va="bottom", fontsize=8)
        x += n
    ax.text(x + 0.8, y + 0.5, note, ha="left", va="center", fontsize=8.5, color="#444444")

def _memory(ax, y, name, order, note):
    "Twelve memory cells holding a 2×2 picture's three channels in `order` (a list of (channel, pixel))."
    ax.text(-0.6, y + 0.5, name, ha="right", va="center", fontsize=10, weight="bold")
    for k, (ch, px) in enumerate(order):
        ax.add_patch(Rectangle((k * 2.2, y), 2.2, 1, fc=CHANNEL[ch], ec=EDGE, lw=0.6))
        ax.text(k * 2.2 + 1.1, y + 0.5, f"{ch}{px}", ha="center", va="center", fontsize=9)
    ax.text(12 * 2.2 + 0.8, y + 0.5, note, ha="left", va="center", fontsize=8.5, color="#444444")

def bf16_channels_last(path):
    fig, (a, b) = plt.subplots(2, 1, figsize=(10, 3.9), gridspec_kw={"height_ratios": [1, 1]})
    _bits(a, 2.6, "float32", 23, "about 7 significant decimal digits")
    _bits(a, 0.0, "bfloat16", 7, "the same range (the same 8 exponent bits),\n2 to 3 significant decimal digits, half the bytes")
    a.set(xlim=(-7, 48), ylim=(-0.3, 4.3)); a.axis("off")
    a.set_title("bf16: a float32 with its last 16 bits rounded away", fontsize=10)
    nchw = [(c, p) for c in "RGB" for p in range(1, 5)]
    nhwc = [(c, p) for p in range(1, 5) for c in "RGB"]
    _memory(b, 1.6, "NCHW", nchw, "a channel at a time")
    _memory(b, 0.0, "channels_last", nhwc, "a pixel at a time: what a\nconvolution reads together")
    b.set(xlim=(-7, 48 * 0.98), ylim=(-0.3, 3.0)); b.axis("off")
    b.set_title("one 2×2 RGB picture in memory (R1 = the red value of pixel 1); both have shape (1, 3, 2, 2)", fontsize=10)
    save(fig, path)

if __name__ == "__main__":
    main({"bf16_channels_last.svg": bf16_channels_last})
