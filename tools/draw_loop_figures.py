"""Draw the training loops' diagrams as SVG files in nbs/images: training_loop.svg (the loop of chapter 03, with the
PyTorch and the Keras line of each step), train_step.svg (what one PyTorch training step does to a batch, appendix A2b)
and keras_callbacks.svg (when `model.fit` calls the Keras loop's callbacks, appendix A2c).
All three are drawn once and committed; run this script again after changing it. Text stays text and the SVG carries no date.
Usage: python tools/draw_loop_figures.py [OUT_DIR]   (default: nbs/images)
"""
from functools import partial
from matplotlib.patches import FancyBboxPatch
from diagram import EDGE, FILL, arrow, box, main, plt, save

DATA, MATH = "#fde4c8", "#e3f1dc"
_box = partial(box, size=9, rounding=0.12)

def training_loop(path):
    "Chapter 03's loop: six steps per batch, each with the line that does it in PyTorch and in Keras."
    steps = [("1 learning rate", "one_cycle_lr\n(step, steps, peak)", 'group["lr"] = …', "opt.learning_rate = …", FILL),
             ("2 next batch", "from a random\norder of the images", "idx = order[…]", "idx = order[…]", DATA),
             ("3 augment,\nnormalise", "crop, flip (ch. 02);\n− mean, ÷ std", "augment_batch(x)", "augment_batch(x, seed)", DATA),
             ("4 forward, loss", "logits, then\ncross-entropy", "model(x)", "model(x, training=True)\ninside a GradientTape", MATH),
             ("5 backward", "the gradient of\nevery weight", "loss.backward()", "tape.gradient(loss, w)", MATH),
             ("6 SGD step", "momentum,\nweight decay", "opt.step()", "opt.apply_gradients(…)", MATH)]
    fig, ax = plt.subplots(figsize=(12, 3.7))
    ax.set(xlim=(-0.7, 14), ylim=(0.25, 4.6)); ax.axis("off")
    for label, y in (("PyTorch", 1.55), ("Keras", 0.75)): ax.text(-0.65, y, label, ha="left", va="center", fontsize=9, weight="bold")
    for i, (title, what, torch_line, keras_line, color) in enumerate(steps):
        x = 1.6 + i * 2.2
        _box(ax, x, 2.85, 1.95, 1.15, title + "\n\n" + what, color)
        ax.text(x, 1.55, torch_line, ha="center", va="center", fontsize=7.5, family="DejaVu Sans Mono")
        ax.text(x, 0.75, keras_line, ha="center", va="center", fontsize=7.5, family="DejaVu Sans Mono")
        if i: arrow(ax, (x - 1.22, 2.85), (x - 0.99, 2.85))
    arrow(ax, (12.6, 3.45), (1.6, 3.45), connectionstyle="arc3,rad=0.12")
    ax.text(7.1, 4.35, "the next batch: all the batches once make one epoch", ha="center", va="center", fontsize=8.5, color="#555555")
    ax.plot([-0.65, 13.7], [1.15, 1.15], color="#cccccc", lw=0.8)
    save(fig, path)

def train_step(path):
    "The seven steps of one PyTorch training step, left to right, with what the batch is after each."
    steps = [("1 index", "a random batch\nfrom memory", "uint8 (B, 32, 32, 3)", DATA),
             ("2 convert", "permute, ÷ 255", "float (B, 3, 32, 32)\nin [0, 1]", DATA),
             ("3 augment", "crop, flip\n(chapter 02)", "the same shape", DATA),
             ("4 normalise", "− mean, ÷ std", "about 0 ± 1", DATA),
             ("5 channels_last", "pixel by pixel\nin memory", "shape unchanged", DATA),
             ("6 forward", "under autocast\n(bf16 if the\nCPU has it)", "logits (B, 10), loss", MATH),
             ("7 backward, step", "SGD with this\nstep's learning rate", "new weights", MATH)]
    fig, ax = plt.subplots(figsize=(12, 2.9))
    ax.set(xlim=(0, 14), ylim=(0, 3.4)); ax.axis("off")
    for i, (title, what, after, color) in enumerate(steps):
        x = 1 + i * 2
        ax.text(x, 3.05, title, ha="center", va="center", fontsize=9.5, weight="bold")
        _box(ax, x, 2.1, 1.85, 1.0, what, color)
        ax.text(x, 0.95, after, ha="center", va="center", fontsize=8.5, color="#444444")
        if i: arrow(ax, (x - 1.07, 2.1), (x - 0.94, 2.1))
    ax.text(7, 0.2, "grey: what the batch is after the step; steps 1–5 touch only the data, 6–7 the network",
            ha="center", va="center", fontsize=8.5, color="#555555")
    save(fig, path)

def keras_callbacks(path):
    "One epoch of Keras' `model.fit` and the hooks where the kit's three callbacks act."
    fig, ax = plt.subplots(figsize=(12, 3.9))
    ax.set(xlim=(0, 14), ylim=(0, 4.8)); ax.axis("off")
    ax.add_patch(FancyBboxPatch((3.0, 0.75), 7.0, 2.65, boxstyle="round,pad=0.02,rounding_size=0.15", fc="none",
                                ec="#888888", lw=1, ls="--"))
    ax.text(6.5, 3.15, "repeated for every batch of the epoch", ha="center", va="center", fontsize=9, color="#555555")
    _box(ax, 1.4, 2.0, 2.3, 1.5, "on_epoch_begin\n\nOneCycleSchedule\nnotes the epoch;\nclocks start", FILL)
    _box(ax, 4.3, 2.0, 2.1, 1.5, "on_train_batch_begin\n\nOneCycleSchedule\nsets this step's\nlearning rate", FILL)
    _box(ax, 6.5, 2.0, 1.9, 1.5, "train step\n\nforward, backward,\nSGD step\n(a tf.function)", MATH)
    _box(ax, 8.7, 2.0, 2.1, 1.5, "on_train_batch_end\n\nProgressBar shows\nloss, accuracy,\nimages/s", FILL)
    _box(ax, 12.0, 2.0, 3.1, 1.5, "on_epoch_end\n\nEpochCheckpoint validates,\nhands the numbers to\nend_of_epoch, writes last\n(and best) checkpoints", FILL)
    for a, b in ((2.55, 3.25), (5.35, 5.55), (7.45, 7.65), (9.75, 10.45)): arrow(ax, (a, 2.0), (b, 2.0))
    arrow(ax, (9.0, 1.2), (4.0, 1.2), connectionstyle="arc3,rad=-0.15")
    ax.text(6.5, 0.45, "next batch", ha="center", va="center", fontsize=8.5, color="#555555")
    arrow(ax, (12.0, 2.8), (1.4, 2.8), connectionstyle="arc3,rad=0.2")
    ax.text(6.7, 4.1, "next epoch", ha="center", va="center", fontsize=8.5, color="#555555")
    save(fig, path)

if __name__ == "__main__": main({"training_loop.svg": training_loop, "train_step.svg": train_step, "keras_callbacks.svg": keras_callbacks})
