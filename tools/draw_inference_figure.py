"""Draw chapter 06's picture of its one entry point as nbs/images/inference_flow.svg: the weights file, read once into
numpy arrays; the two twin modules with the same three functions; `Classifier`, which does the rest once; and the three
users of it (the web demo, the command line, your own scripts).
Drawn once and committed; run this script again after changing it. Text stays text and the SVG carries no date.
Usage: python tools/draw_inference_figure.py [OUT_DIR]   (default: nbs/images)
"""
from functools import partial
from diagram import arrow, box, main, plt, save

DATA, CODE, USER = "#e3f1dc", "#dbe9f6", "#fde4c8"
_box = partial(box, size=9, rounding=0.1)

def inference_flow(path):
    "Weights file → read_weights → a twin's three functions → Classifier → demo, CLI, scripts."
    fig, ax = plt.subplots(figsize=(11, 3.0))
    ax.set(xlim=(0, 13.4), ylim=(0, 3.6)); ax.axis("off")
    _box(ax, 1.2, 1.8, 2.1, 1.3, "weights file\n.safetensors:\nraw arrays +\nJSON metadata", DATA)
    _box(ax, 3.9, 1.8, 2.0, 1.3, "read_weights\n\nnumpy arrays,\nPyTorch's names", CODE)
    _box(ax, 6.7, 2.65, 2.4, 1.0, "torch.infer\nbuild_model, predict_logits,\ngradcam", CODE)
    _box(ax, 6.7, 0.95, 2.4, 1.0, "tensorflow.infer\nbuild_model, predict_logits,\ngradcam", CODE)
    _box(ax, 9.6, 1.8, 2.0, 1.3, "Classifier\n\nbatching, TTA, top-k,\nnames, unsure, maps", CODE)
    for y, text in ((3.0, "web demo (08)"), (1.8, "command line (10)"), (0.6, "your scripts")):
        _box(ax, 12.4, y, 1.7, 0.7, text, USER); arrow(ax, (10.6, 1.8), (11.55, y))
    arrow(ax, (2.25, 1.8), (2.9, 1.8))
    for y in (2.65, 0.95): arrow(ax, (4.9, 1.8), (5.5, y)); arrow(ax, (7.9, y), (8.6, 1.8))
    ax.text(6.7, 1.8, "the same three functions;\nthe TensorFlow one never imports PyTorch", ha="center", va="center", fontsize=8, color="#555555")
    save(fig, path)

if __name__ == "__main__": main({"inference_flow.svg": inference_flow})
