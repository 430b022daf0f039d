"""Draw chapter 1's four diagrams as SVG files in nbs/images/: the residual block, ResNet-18 for CIFAR, where a
stride-2 convolution's windows sit under PyTorch's padding=1 and Keras' padding="same", and the routes a gradient
can take back through a plain and a residual stack of three blocks.

The diagrams are schematic (boxes and arrows, no measured data), so they are drawn once and committed; run this
script again after changing it. Matplotlib writes the SVG with text kept as text and no date, so the files only
change when the drawing does.
Usage: python tools/draw_resnet_figures.py [OUT_DIR]   (default: nbs/images)
"""
import numpy as np
from matplotlib.patches import Circle, FancyBboxPatch, Rectangle
from diagram import EDGE, FILL as MAIN, arrow as _arrow, box as _box, main, plt, save

SHORT = "#fde4c8"  # the shortcut path

def _block(ax, title, first, shortcut, shape_in, shape_out):
    "One BasicBlock drawn top to bottom: main path on the left, shortcut on the right."
    ax.set(xlim=(0, 10), ylim=(0, 12.5)); ax.axis("off")
    ax.text(5, 12.2, title, ha="center", va="center", fontsize=11, weight="bold")
    xm, xs = 3.6, 8.3                                       # x of the main path and of the shortcut
    ax.text(xm, 11.3, f"x   {shape_in}", ha="center", va="center", fontsize=10)
    _arrow(ax, (xm, 10.95), (xm, 10.1))
    _box(ax, xm, 9.6, 5.6, 1.0, first)
    _arrow(ax, (xm, 9.1), (xm, 8.1))
    _box(ax, xm, 7.6, 5.6, 1.0, "3×3 conv, BatchNorm")
    ax.text(0.35, 8.6, "F(x)", ha="center", va="center", fontsize=11, style="italic", rotation=90)
    ax.plot([0.7, 0.7], [7.0, 10.2], color=EDGE, lw=0.8)     # a bracket marking the residual branch
    _arrow(ax, (xm, 7.1), (xm, 5.75))
    ax.add_patch(Circle((xm, 5.4), 0.35, fc="white", ec=EDGE, lw=1.2))
    ax.text(xm, 5.4, "+", ha="center", va="center", fontsize=14)
    # the shortcut: from x to the right, down, and into the addition
    ax.plot([xm, xs, xs], [10.75, 10.75, 8.4], color=EDGE, lw=1.2)
    if shortcut is None:
        ax.plot([xs, xs], [8.4, 6.8], color=EDGE, lw=1.2)
        ax.text(xs - 0.25, 8.6, "identity", ha="right", va="center", fontsize=10)
    else:
        _box(ax, xs, 7.6, 2.6, 1.6, shortcut, color=SHORT, size=9)
    ax.plot([xs, xs], [6.8, 5.4], color=EDGE, lw=1.2)
    _arrow(ax, (xs, 5.4), (xm + 0.35, 5.4))
    ax.text(xs - 0.2, 4.95, "shortcut", ha="right", va="center", fontsize=9, color="#555555")
    _arrow(ax, (xm, 5.05), (xm, 4.1))
    _box(ax, xm, 3.6, 2.4, 1.0, "ReLU")
    _arrow(ax, (xm, 3.1), (xm, 2.2))
    ax.text(xm, 1.85, f"out   {shape_out}", ha="center", va="center", fontsize=10)
    ax.text(5, 0.8, "out = ReLU(F(x) + shortcut(x))", ha="center", va="center", fontsize=10)

def residual_block(path):
    fig, axs = plt.subplots(1, 2, figsize=(9, 5.6))
    _block(axs[0], "identity block", "3×3 conv, BatchNorm, ReLU", None, "(C, H, W)", "(C, H, W)")
    _block(axs[1], "projection block (first block of stages 2–4)", "3×3 conv, stride 2,\nBatchNorm, ReLU",
           "1×1 conv\nstride 2,\nBatchNorm", "(C, H, W)", "(2C, H/2, W/2)")
    save(fig, path)

def resnet18(path):
    "The CIFAR ResNet-18 left to right: box height ∝ image size, box width grows with the channels."
    parts = [("image", "", 3, 32), ("stem", "3×3 conv,\nBN, ReLU", 64, 32), ("stage 1", "2 blocks", 64, 32),
             ("stage 2", "2 blocks", 128, 16), ("stage 3", "2 blocks", 256, 8), ("stage 4", "2 blocks", 512, 4),
             ("average\npool", "", 512, 1), ("linear", "", 10, 1)]
    fig, ax = plt.subplots(figsize=(10, 3.9))
    ax.axis("off")
    x, centres = 0.0, []
    for i, (name, inside, c, h) in enumerate(parts):
        w, hh = (0.5 if name == "image" else 0.35 + 0.22 * (c.bit_length() - 6)) if h > 1 else 0.35, 0.09 * h + 0.25
        color = "#eeeeee" if name == "image" else SHORT if name in ("average\npool", "linear") else MAIN
        ax.add_patch(FancyBboxPatch((x, -hh / 2), w, hh, boxstyle="round,pad=0.02,rounding_size=0.05", fc=color,
                                    ec=EDGE, lw=1))
        ax.text(x + w / 2, 1.75, name, ha="center", va="bottom", fontsize=10, weight="bold")
        if inside: ax.text(x + w / 2, -2.05, inside, ha="center", va="top", fontsize=8.5, color="#444444")
        shape = f"{c}×{h}×{h}" if h > 1 else (f"{c}" if name != "linear" else "10 logits")
        ax.text(x + w / 2, -1.75, shape, ha="center", va="top", fontsize=9)
        centres.append((x, x + w))
        x += w + 0.7
    for i, ((_, right), (left, _)) in enumerate(zip(centres, centres[1:])):
        _arrow(ax, (right + 0.04, 0), (left - 0.04, 0))
        if parts[i + 1][0] in ("stage 2", "stage 3", "stage 4"):
            ax.text((right + left) / 2, 0.18, "/2", ha="center", va="bottom", fontsize=8.5, color="#a04000")
    ax.set(xlim=(-0.15, x - 0.55), ylim=(-3.1, 2.3))
    ax.text((x - 0.7) / 2, -3.05, "channels × height × width of each part's output; "
            "/2: the first block of the stage halves height and width", ha="center", va="bottom", fontsize=8.5,
            color="#555555")
    save(fig, path)

def _windows(ax, title, pad_before, pad_after):
    "A 4×4 image holding 0…15, padded with zeros, and the four windows of a 3×3 stride-2 convolution of ones."
    img = np.arange(16).reshape(4, 4)
    padded = np.pad(img, ((pad_before, pad_after), (pad_before, pad_after)))
    n = padded.shape[0]
    for r in range(n):
        for c in range(n):
            inside = pad_before <= r < pad_before + 4 and pad_before <= c < pad_before + 4
            ax.add_patch(Rectangle((c, -r), 1, -1, fc=FILL_IMG if inside else "#eeeeee", ec="#bbbbbb", lw=0.6))
            ax.text(c + 0.5, -r - 0.5, str(padded[r, c]), ha="center", va="center", fontsize=9,
                    color="#222222" if inside else "#999999")
    colors = ["#1f77b4", "#d62728", "#2ca02c", "#9467bd"]
    for k, (r, c) in enumerate([(0, 0), (0, 2), (2, 0), (2, 2)]):  # the top-left corner of each window, in padded cells
        inset = 0.08 + 0.06 * k  # nested outlines stay visible where windows overlap
        ax.add_patch(Rectangle((c + inset, -r - inset), 3 - 2 * inset, -(3 - 2 * inset), fc="none", ec=colors[k], lw=1.8))
        total = padded[r:r + 3, c:c + 3].sum()
        ax.text(n + 0.3, -0.5 - 0.75 * k, f"window {k + 1}: sum {total}", color=colors[k], fontsize=9, va="center")
    ax.text(n + 0.3, -0.5 - 0.75 * 4.3, "centred on image pixel\n" + ", ".join(f"({r + 1 - pad_before},{c + 1 - pad_before})"
            for r, c in [(0, 0), (0, 2), (2, 0), (2, 2)]), fontsize=8.5, va="center", color="#444444")
    ax.set_title(title, fontsize=10)
    ax.set(xlim=(-0.2, n + 4.6), ylim=(-6.2, 0.2)); ax.set_aspect("equal"); ax.axis("off")

FILL_IMG = "#dbe9f6"

GRAD = "#cf222e"  # the gradient's way back

def gradient_paths(path):
    "Three blocks, plain (top) and residual (bottom): the routes by which the gradient at the top reaches the input."
    fig, ax = plt.subplots(figsize=(10, 4.6))
    ax.set(xlim=(0, 14), ylim=(0, 8)); ax.axis("off")
    xs = [2.9, 6.5, 10.1]                                   # the three blocks
    red = dict(color=GRAD, lw=2.2)
    for y, residual in [(6.3, False), (2.5, True)]:
        ax.text(0.15, y + 1.3, "residual: x + F(x)" if residual else "plain: F(x)", ha="left", va="center", fontsize=11, weight="bold")
        ax.text(0.45, y, "x₀", ha="center", va="center", fontsize=12)
        ax.text(13.45, y, "loss", ha="center", va="center", fontsize=11)
        prev = 0.75
        for k, x in enumerate(xs):  # F0, F1, F2: the formula counts blocks from 0
            if residual:
                ax.plot([prev, x - 1.2], [y, y], **red)              # the way around the blocks, in red
                _arrow(ax, (x - 1.2, y), (x - 0.75, y))
                ax.plot([x - 1.2, x - 1.2, x + 1.3, x + 1.3], [y, y + 0.8, y + 0.8, y + 0.25], **red)  # the shortcut
                _box(ax, x, y, 1.5, 0.8, f"F{k}")
                ax.add_patch(Circle((x + 1.3, y), 0.25, fc="white", ec=EDGE, lw=1.2)); ax.text(x + 1.3, y, "+", ha="center", va="center", fontsize=12)
                _arrow(ax, (x + 0.75, y), (x + 1.05, y))
                prev = x + 1.55
            else:
                _arrow(ax, (prev, y), (x - 0.75, y)); _box(ax, x, y, 1.5, 0.8, f"F{k}"); prev = x + 0.75
        if residual: ax.plot([prev, 12.95], [y, y], **red)
        else: _arrow(ax, (prev, y), (12.95, y))
    ax.annotate("", xy=(0.75, 5.45), xytext=(12.95, 5.45), arrowprops=dict(arrowstyle="-|>", color=GRAD, lw=1.6, ls="--"))
    ax.text(6.85, 4.95, "the only way back: through F2, F1 and F0, multiplied by each block's derivative", ha="center", va="center", fontsize=9.5, color=GRAD)
    ax.text(6.85, 0.85, "8 = 2 × 2 × 2 ways back: at every + the gradient goes both through the block and around it.\n"
                        "The red one skips every block: along it the top's gradient reaches x₀ unchanged, the 1 in 1 + ∂(ΣF)/∂x.",
            ha="center", va="center", fontsize=9.5, color=GRAD)
    save(fig, path)

def padding(path):
    "Chapter 01's padding section as a picture: the same 3×3 stride-2 windows under both paddings."
    fig, axs = plt.subplots(1, 2, figsize=(10, 3.4))
    _windows(axs[0], "PyTorch padding=1 (= Keras ZeroPadding2D(1) + \"valid\")", 1, 1)
    _windows(axs[1], "Keras padding=\"same\": the padding all after", 0, 1)
    save(fig, path)

if __name__ == "__main__":
    main({"residual_block.svg": residual_block, "resnet18_cifar.svg": resnet18, "padding_windows.svg": padding,
          "gradient_paths.svg": gradient_paths})
