"""Draw chapter 7's diagrams as SVG files in nbs/images: data_parallel.svg (data-parallel training) and
step_timeline.svg (one training step on one process, two processes sharing a CPU, and two GPUs) and
epoch_timeline.svg (one epoch of `fit` on two processes: the collective calls and the main process's work).

N processes (replicas), each with a full copy of the model and its own share of the global batch; each computes
the gradient of its share, an all-reduce averages the gradients, every replica applies the same step, and the
copies hold identical weights afterwards. The timeline shows where one step's time goes in each set-up; its lengths
are schematic, not measured (the chapter's measured speeds are in nbs/results/distributed_speed.json). Both
diagrams are drawn once and committed; run this script again after changing it. Text stays text and the SVG carries no date.
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

FWD, BWD, STEP, COMM = "#8fb8de", "#f2b880", "#a8d5a2", "#d9a5c9"

def step_timeline(path):
    "One training step, drawn to a common time axis: forward, backward in three gradient buckets, all-reduce, step."
    fig, ax = plt.subplots(figsize=(10, 4.6))
    ax.set(xlim=(-3.3, 10.6), ylim=(-0.9, 8.2)); ax.axis("off")
    def bar(x, y, w, color, text=""):
        ax.add_patch(Rectangle((x, y - 0.3), w, 0.6, fc=color, ec=EDGE, lw=0.6))
        if text: ax.text(x + w / 2, y, text, ha="center", va="center", fontsize=8)
    def work(y, f, b, comm=None, short=False):
        "Forward `f` long, backward `b` long in three buckets; `comm`: all-reduce length per bucket (None: alone)."
        bar(0, y, f, FWD, "fwd" if short else "forward"); t = f
        ends = []
        for k in range(3):
            bar(t, y, b / 3, BWD, f"b{3 - k}" if short else f"backward {3 - k}"); t += b / 3; ends.append(t)
        if comm is None: bar(t, y, 0.6, STEP, "step"); return t + 0.6
        c = t0 = ends[0]
        for k, e in enumerate(ends):  # each bucket's all-reduce starts when the bucket is ready and the link is free
            c = max(c, e); bar(c, y - 0.62, comm, COMM); c += comm
        bar(max(c, t), y, 0.6, STEP, "step"); return max(c, t) + 0.6
    rows = [("one process\n(all cores, or one GPU)", 7.0, lambda y: work(y, 2.0, 4.0)),
            ("two processes\nsharing one CPU", 4.4, lambda y: work(y, 2.0, 4.0, comm=0.35)),
            ("two GPUs,\none process each", 1.5, lambda y: work(y, 1.0, 2.0, comm=0.5, short=True))]
    for label, y, draw in rows:
        ax.text(-0.3, y - 0.3, label, ha="right", va="center", fontsize=10, weight="bold")
        end = draw(y)
        ax.plot([end, end], [y + 0.5, y - 1.1], color="#555555", lw=0.8, ls=":")
    ax.text(6.85, 7.0, "the whole batch", ha="left", va="center", fontsize=8.5, color="#555555")
    ax.text(6.85, 5.3, "each process: half the batch on half the cores,\nso forward and backward take as long as before;\n"
            "the all-reduces (below the bars) share the busy cores", ha="left", va="center", fontsize=8.5, color="#555555")
    ax.text(4.4, 1.5, "each GPU: half the batch on its own compute; each bucket's\nall-reduce starts as soon as "
            "backward has filled it,\nwhile the rest of backward runs", ha="left", va="center", fontsize=8.5, color="#555555")
    for x, c, t in [(-3.2, FWD, "forward"), (0.0, BWD, "backward (gradient buckets)"), (4.0, COMM, "all-reduce"), (7.0, STEP, "optimiser step")]:
        ax.add_patch(Rectangle((x, -0.75), 0.35, 0.3, fc=c, ec=EDGE, lw=0.6))
        ax.text(x + 0.45, -0.6, t, ha="left", va="center", fontsize=8.5)
    ax.annotate("", xy=(10.4, 8.0), xytext=(0, 8.0), arrowprops=dict(arrowstyle="-|>", color=EDGE, lw=1))
    ax.text(0, 8.05, "time in one step (schematic)", ha="left", va="bottom", fontsize=9)
    save(fig, path)

def epoch_timeline(path):
    "One epoch of `fit` on two processes: the collective calls every process makes at the same point, and what only the main process does."
    fig, ax = plt.subplots(figsize=(10, 3.9))
    ax.set(xlim=(-1.9, 14.0), ylim=(-0.2, 5.3)); ax.axis("off")
    lanes = {"rank 0\n(main process)": 3.4, "rank 1": 1.6}
    def bar(x, y, w, color, text="", hatch=None, size=8):
        ax.add_patch(Rectangle((x, y - 0.32), w, 0.64, fc=color, ec=EDGE, lw=0.6, hatch=hatch))
        if text: ax.text(x + w / 2, y, text, ha="center", va="center", fontsize=size)
    def together(x, w, text):
        "A collective call: both lanes, joined in one box, at the same point of every process."
        for y in lanes.values(): bar(x, y, w, COMM)
        ax.add_patch(Rectangle((x, 1.6 - 0.32), w, 1.8 + 0.64, fc="none", ec=EDGE, lw=1.2))
        ax.text(x + w / 2, 2.5, text, ha="center", va="center", fontsize=7.5)
    for label, y in lanes.items(): ax.text(-0.2, y, label, ha="right", va="center", fontsize=10, weight="bold")
    x = 0.0
    for k in range(1, 5):  # training steps: each replica its own share; DDP/Keras all-reduce the gradients inside backward
        for y in lanes.values(): bar(x, y, 1.0, BWD, "step " + ("…" if k == 4 else str(k)))
        ax.annotate("", xy=(x + 0.5, 1.6 + 0.34), xytext=(x + 0.5, 3.4 - 0.34),
                    arrowprops=dict(arrowstyle="<|-|>", color=EDGE, lw=0.9, shrinkA=0, shrinkB=0))
        x += 1.12
    together(x, 1.6, "all_reduce_sum\n(loss, right\nanswers)"); x += 1.7
    together(x, 1.6, "average_buffers\n(BatchNorm\nstatistics)"); x += 1.7
    bar(x, 3.4, 2.6, STEP, "validate, write history\nand checkpoints")
    bar(x, 1.6, 2.6, "white", "waits", hatch="///"); x += 2.7
    together(x, 0.95, "barrier"); x += 1.1
    ax.text(x, 2.5, "next epoch …\n\nafter the last:\nagree on the\nstate_digest", ha="left", va="center", fontsize=8.5)
    ax.text(2.2, 4.45, "training steps: the arrows are the gradients'\nall-reduce inside backward",
            ha="center", va="center", fontsize=8.5, color="#555555")
    ax.text(4.5, 0.6, "collective calls (one box across both lanes): every process must reach them",
            ha="left", va="center", fontsize=8.5, color="#555555")
    ax.annotate("", xy=(13.8, 5.05), xytext=(0, 5.05), arrowprops=dict(arrowstyle="-|>", color=EDGE, lw=1))
    ax.text(0, 5.1, "one epoch of fit on two processes (schematic, not to scale)", ha="left", va="bottom", fontsize=9)
    save(fig, path)

if __name__ == "__main__":
    main({"data_parallel.svg": data_parallel, "step_timeline.svg": step_timeline, "epoch_timeline.svg": epoch_timeline})
