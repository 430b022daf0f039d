"""Draw chapter 08's data-flow diagram as nbs/images/app_flow.svg: an upload's bytes become a result and HTML through
plain functions (the top row, `classify_upload` bracketing its first steps), and the widgets of `ClassifierApp` (the
bottom row) only pass events through `_run` to those functions and show the HTML they return.
Drawn once and committed; run this script again after changing it. Text stays text and the SVG carries no date.
Usage: python tools/draw_app_figure.py [OUT_DIR]   (default: nbs/images)
"""
from functools import partial
from diagram import arrow, box, main, plt, save

PLAIN, WIDGET, DATA = "#dbe9f6", "#fde4c8", "#e3f1dc"
_box = partial(box, size=9, rounding=0.1)

def app_flow(path):
    fig, ax = plt.subplots(figsize=(11, 4.2))
    ax.set(xlim=(0, 13.2), ylim=(0, 5.2)); ax.axis("off")
    ax.text(0.1, 4.95, "plain functions: tested without any widget", fontsize=10, weight="bold", va="center")
    steps = [("bytes\n(name, size)", DATA), ("check_upload\nsize limits", PLAIN), ("open_image\ndecode or refuse", PLAIN),
             ("preprocess\n32×32 uint8", PLAIN), ("classify_image\nmodel, Grad-CAM", PLAIN), ("AppResult\ntop 3 or message", DATA),
             ("render_result\nescaped HTML", PLAIN), ("HTML card", DATA)]
    xs = [0.8 + i * 1.65 for i in range(len(steps))]
    for i, (x, (text, colour)) in enumerate(zip(xs, steps)):
        _box(ax, x, 3.9, 1.42, 0.9, text, colour)
        if i: arrow(ax, (xs[i - 1] + 0.71, 3.9), (x - 0.71, 3.9))
    ax.plot([xs[1] - 0.71, xs[4] + 0.71], [4.5, 4.5], color="#555555", lw=1)  # classify_upload brackets the first steps
    ax.text((xs[1] + xs[4]) / 2, 4.62, "classify_upload", ha="center", fontsize=9, color="#555555", family="monospace")
    arrow(ax, (xs[2], 3.45), (xs[5] - 0.3, 3.45), connectionstyle="arc3,rad=0.25", color="#b35900")
    ax.text((xs[2] + xs[5]) / 2, 2.6, "a hostile file: a result with a short message, never an exception", ha="center",
            fontsize=8, color="#b35900")
    ax.text(0.1, 2.05, "ClassifierApp: the widgets", fontsize=10, weight="bold", va="center")
    _box(ax, 1.55, 1.0, 2.9, 1.2, "events: upload, backend,\nlanguage, Grad-CAM,\nrandom test picture", WIDGET)
    _box(ax, 4.6, 1.0, 2.2, 1.2, "_run(job)\nstatus: working → ready\nor ⚠ a short message", WIDGET)
    _box(ax, 8.0, 1.0, 2.8, 1.2, "self.results\n(AppResult list; switching\nre-runs the kept 32×32)", DATA)
    _box(ax, 11.6, 1.0, 2.6, 1.2, "output widget\nrender_results(results)", WIDGET)
    arrow(ax, (3.0, 1.0), (3.5, 1.0)); arrow(ax, (5.7, 1.0), (6.6, 1.0)); arrow(ax, (9.4, 1.0), (10.3, 1.0))
    arrow(ax, (4.1, 1.6), (xs[1], 3.45))
    ax.text(2.2, 2.5, "the job: classify_files,\nclassify_random or _rerun", fontsize=8, family="monospace", ha="center")
    arrow(ax, (xs[5], 3.45), (8.0, 1.6))
    arrow(ax, (xs[7], 3.45), (11.6, 1.6))
    save(fig, path)

if __name__ == "__main__": main({"app_flow.svg": app_flow})
