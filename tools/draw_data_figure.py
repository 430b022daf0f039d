"""Draw chapter 00's data-source diagram as nbs/images/data_sources.svg: the order in which `get_cifar10` looks for
CIFAR-10 (top row, first match wins), and how `load_dataset` turns what it found into uint8 arrays (bottom row).
Drawn once and committed; run this script again after changing it. Text stays text and the SVG carries no date.
Usage: python tools/draw_data_figure.py [OUT_DIR]   (default: nbs/images)
"""
from functools import partial
from diagram import arrow, box, main, plt, save

ASK, FOUND, STEP = "#fde4c8", "#e3f1dc", "#dbe9f6"
_box = partial(box, size=9, rounding=0.1)

def data_sources(path):
    fig, ax = plt.subplots(figsize=(11, 4.6))
    ax.set(xlim=(0, 13.2), ylim=(-0.35, 5.6)); ax.axis("off")
    ax.text(0.1, 5.35, "get_cifar10(): the first of these that applies", fontsize=10, weight="bold", va="center")
    asks = ["tiny=True, or\nrunning under test?", "a path\ngiven?", "the course's JPEG copy\n(find_cifar10_jpeg)?", "otherwise"]
    found = ["tiny generated data\n(NOT CIFAR-10)", "that path", "env. CIFAR10_JPEG, or\ndata/cifar10-jpeg, or\nshared/data/*.tar.gz", "official archive in the\ncache folder (download\nonce, MD5 checked)"]
    xs = [1.6, 4.7, 7.8, 11.2]
    for i, (x, a, f) in enumerate(zip(xs, asks, found)):
        _box(ax, x, 4.55, 2.5, 0.8, a, ASK)
        _box(ax, x, 3.25, 2.5, 0.95, f, FOUND)
        arrow(ax, (x, 4.15), (x, 3.73))
        if i < 3:
            arrow(ax, (x + 1.25, 4.55), (xs[i + 1] - 1.25, 4.55))
            ax.text((x + xs[i + 1]) / 2, 4.7, "no", ha="center", fontsize=8, color="#555555")
        ax.text(x + 0.12, 3.95, "yes" if i < 3 else "", fontsize=8, color="#555555")
    ax.text(6.6, 2.45, 'prints one line: "Data: <which>: <n> train + <n> test images", returns where it is', ha="center", fontsize=8.5,
            family="monospace", color="#555555")
    ax.text(0.1, 1.85, "load_dataset(source, split): looks inside the source", fontsize=10, weight="bold", va="center")
    _box(ax, 1.6, 0.8, 2.5, 0.95, "source", FOUND)
    _box(ax, 5.2, 1.3, 3.8, 0.75, "official archive → load_cifar10:\nrows → (3, 32, 32) → colour last", STEP)
    _box(ax, 5.2, 0.25, 3.8, 0.75, "a folder, or tar, of split/class/image\n→ load_image_folder: preprocess each", STEP)
    _box(ax, 10.2, 0.8, 4.6, 0.95, "images uint8 (N, 32, 32, 3), labels int64 (N,),\nclass names (cached as .npz)", FOUND)
    arrow(ax, (2.85, 0.95), (3.3, 1.25)); arrow(ax, (2.85, 0.65), (3.3, 0.3))
    arrow(ax, (7.1, 1.25), (7.9, 0.95)); arrow(ax, (7.1, 0.3), (7.9, 0.65))
    save(fig, path)

if __name__ == "__main__": main({"data_sources.svg": data_sources})
