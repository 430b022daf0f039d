"""Draw chapter 7's diagram of data-parallel training as an SVG file in nbs/images/data_parallel.svg.

N processes (replicas), each with a full copy of the model and its own share of the global batch; each computes
the gradient of its share, an all-reduce averages the gradients, every replica applies the same step, and the
copies hold identical weights afterwards. The diagram is schematic (no measured data), so it is drawn once and
committed; run this script again after changing it. Text stays text and the SVG carries no date.
Usage: python tools/draw_distributed_figure.py [OUT_DIR]   (default: nbs/images)
"""
from functools import partial
from matplotlib.patches import Rectangle
from diagram import EDGE, FILL as MODEL, arrow as _arrow, box, main, plt, save

GRAD, REDUCE = "#fde4c8", "#e3f1dc"
SHARES = ["#8fb8de", "#f2b880", "#a8d5a2", "#d9a5c9"]     # one colour per replica's share of the batch
_box = partial(box, size=9.5, rounding=0.12)

def data_parallel(path, n=4):
    fig, ax = plt.subplots(figsize=(10, 6.4))
    ax.set(xlim=(0, 12), ylim=(0, 10.4)); ax.axis("off")
    # the global batch: n coloured shares, one per replica (replica r takes every n-th image from position r)
    cell, y_batch = 0.28, 9.5
    x0 = 6 - 16 * cell / 2
    for i in range(16):
        ax.add_patch(Rectangle((x0 + i * cell, y_batch - cell / 2), cell, cell, fc=SHARES[i % n], ec="white", lw=1))
    ax.text(6, y_batch + 0.45, "one global batch (batch_size images)", ha="center", va="bottom", fontsize=10,
            weight="bold")
    ax.text(x0 + 16 * cell + 0.2, y_batch, "replica r takes every N-th image, starting at r", ha="left",
            va="center", fontsize=8.5, color="#555555")
    xs = [1.5 + i * 3 for i in range(n)]
    for r, x in enumerate(xs):
        name = f"replica {r}" + (" (main)" if r == 0 else "") if r < n - 1 else f"replica N−1"
        _arrow(ax, (6 + (x - 6) * 0.25, y_batch - 0.3), (x, 8.55), color=SHARES[r])
        ax.add_patch(Rectangle((x - 0.55, 8.15), 1.1, 0.32, fc=SHARES[r], ec=EDGE, lw=0.6))
        ax.text(x + 0.7, 8.31, "batch / N", ha="left", va="center", fontsize=8)
        ax.text(x, 7.7, name, ha="center", va="center", fontsize=10, weight="bold")
        _box(ax, x, 6.75, 2.3, 1.0, "full copy of\nthe model (weights w)", MODEL)
        _arrow(ax, (x, 6.2), (x, 5.55))
        _box(ax, x, 5.1, 2.3, 0.8, f"gradient g{r if r < n - 1 else '_N−1'}\nof its own share", GRAD)
        _arrow(ax, (x, 4.65), (x, 4.05))
    _box(ax, 6, 3.6, 11.0, 0.8, "all-reduce: every replica receives the same average   ḡ = (g0 + g1 + … + g_N−1) / N",
         REDUCE, size=10, weight="bold")
    for r, x in enumerate(xs):
        _arrow(ax, (x, 3.15), (x, 2.5))
        _box(ax, x, 2.05, 2.3, 0.8, "optimiser step\nw ← w − lr · ḡ", MODEL)
        _arrow(ax, (x, 1.6), (x, 1.1))
        ax.text(x, 0.85, "identical weights", ha="center", va="center", fontsize=9)
    ax.text(6, 0.2, "N processes, one step: the same result, up to rounding, as one process on the whole batch",
            ha="center", va="center", fontsize=9, color="#555555")
    save(fig, path)

if __name__ == "__main__":
    main({"data_parallel.svg": data_parallel})
