"""Draw the diagrams of how the kit answers a user, as SVG files in nbs/images: app_flow.svg (chapter 08: an upload's
bytes become a result and HTML through plain functions, the top row, `classify_upload` bracketing its first steps, and
the widgets of `ClassifierApp`, the bottom row, only pass events through `_run` to those functions and show the HTML they
return); inference_flow.svg (chapter 06: the weights file, read once into numpy arrays, the two twin modules with the
same three functions, `Classifier`, and its users); message_flow.svg (appendix A6: an error carrying a `Text` prints
English in a log, the page localizes and shortens it, and a language switch writes the same `Text` again).
Drawn once and committed; run this script again after changing it. Text stays text and the SVG carries no date.
Usage: python tools/draw_app_figure.py [OUT_DIR]   (default: nbs/images)
"""
from functools import partial
from diagram import arrow, box, main, plt, save

PLAIN, WIDGET, DATA = "#dbe9f6", "#fde4c8", "#e3f1dc"
_box = partial(box, size=9, rounding=0.1)
_small = partial(box, size=8.5, rounding=0.1)

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

def inference_flow(path):
    "Weights file → read_weights → a twin's three functions → Classifier → demo, CLI, scripts."
    fig, ax = plt.subplots(figsize=(11, 3.0))
    ax.set(xlim=(0, 13.4), ylim=(0, 3.6)); ax.axis("off")
    _box(ax, 1.2, 1.8, 2.1, 1.3, "weights file\n.safetensors:\nraw arrays +\nJSON metadata", DATA)
    _box(ax, 3.9, 1.8, 2.0, 1.3, "read_weights\n\nnumpy arrays,\nPyTorch's names", PLAIN)
    _box(ax, 6.7, 2.65, 2.4, 1.0, "torch.infer\nbuild_model, predict_logits,\ngradcam", PLAIN)
    _box(ax, 6.7, 0.95, 2.4, 1.0, "tensorflow.infer\nbuild_model, predict_logits,\ngradcam", PLAIN)
    _box(ax, 9.6, 1.8, 2.0, 1.3, "Classifier\n\nbatching, TTA, top-k,\nnames, unsure, maps", PLAIN)
    for y, text in ((3.0, "web demo (08)"), (1.8, "command line (10)"), (0.6, "your scripts")):
        _box(ax, 12.4, y, 1.7, 0.7, text, WIDGET); arrow(ax, (10.6, 1.8), (11.55, y))
    arrow(ax, (2.25, 1.8), (2.9, 1.8))
    for y in (2.65, 0.95): arrow(ax, (4.9, 1.8), (5.5, y)); arrow(ax, (7.9, y), (8.6, 1.8))
    ax.text(6.7, 1.8, "the same three functions;\nthe TensorFlow one never imports PyTorch", ha="center", va="center", fontsize=8, color="#555555")
    save(fig, path)

def message_flow(path):
    "raise ImageError(Text(...)) → Text → (log: English) | (page: localize → say → brief → status line), and the switch back."
    fig, ax = plt.subplots(figsize=(11.5, 3.4))
    ax.set(xlim=(0, 14), ylim=(-0.35, 4.0)); ax.axis("off")
    _small(ax, 1.35, 2.1, 2.5, 1.2, 'code raises\nImageError(Text(\n"image_unreadable",\nwhat=…, detail=…))', PLAIN)
    _small(ax, 4.05, 2.1, 2.0, 1.2, "a Text\n\nkey + values;\nas a str: English", DATA)
    _small(ax, 6.9, 3.45, 2.3, 0.75, "a log, the terminal:\nEnglish, in full", WIDGET)
    _small(ax, 6.9, 1.45, 2.3, 1.2, "localize(e, lang)\n= say(key, lang, **values):\nMESSAGES[key][lang]\nwith the values filled in", PLAIN)
    _small(ax, 9.75, 1.45, 2.1, 1.2, "brief\n\nno library details,\nat most 200 characters", PLAIN)
    _small(ax, 12.55, 1.45, 2.3, 1.2, "the page's status\nline or error card,\nin English or 中文", WIDGET)
    arrow(ax, (2.6, 2.1), (3.05, 2.1))
    arrow(ax, (5.05, 2.4), (5.75, 3.45)); arrow(ax, (5.05, 1.8), (5.75, 1.45))
    arrow(ax, (8.05, 1.45), (8.7, 1.45)); arrow(ax, (10.8, 1.45), (11.4, 1.45))
    arrow(ax, (12.55, 0.8), (6.9, 0.8), connectionstyle="arc3,rad=-0.12")
    ax.text(9.75, -0.05, "the reader clicks 中文: the same Text, written again in the new language", ha="center", fontsize=8, color="#555555")
    save(fig, path)

if __name__ == "__main__": main({"app_flow.svg": app_flow, "inference_flow.svg": inference_flow, "message_flow.svg": message_flow})
