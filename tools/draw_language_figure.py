"""Draw appendix A6's picture of a message's way to the reader as nbs/images/message_flow.svg: code raises an error
carrying a `Text` (a key and its values, printing English); a log shows it as it is; the page asks `localize` for its
language, which fills the catalogue's template with the values (`say`), and `brief` shortens it for a visitor; switching
the language writes the same `Text` again.
Drawn once and committed; run this script again after changing it. Text stays text and the SVG carries no date.
Usage: python tools/draw_language_figure.py [OUT_DIR]   (default: nbs/images)
"""
from functools import partial
from diagram import arrow, box, main, plt, save

CODE, DATA, READER = "#dbe9f6", "#e3f1dc", "#fde4c8"
_box = partial(box, size=8.5, rounding=0.1)

def message_flow(path):
    "raise ImageError(Text(...)) → Text → (log: English) | (page: localize → say → brief → status line), and the switch back."
    fig, ax = plt.subplots(figsize=(11.5, 3.4))
    ax.set(xlim=(0, 14), ylim=(-0.35, 4.0)); ax.axis("off")
    _box(ax, 1.35, 2.1, 2.5, 1.2, 'code raises\nImageError(Text("not_image",\nwhat=…, detail=…))', CODE)
    _box(ax, 4.05, 2.1, 2.0, 1.2, "a Text\n\nkey + values;\nas a str: English", DATA)
    _box(ax, 6.9, 3.45, 2.3, 0.75, "a log, the terminal:\nEnglish, in full", READER)
    _box(ax, 6.9, 1.45, 2.3, 1.2, "localize(e, lang)\n= say(key, lang, **values):\nMESSAGES[key][lang]\nwith the values filled in", CODE)
    _box(ax, 9.75, 1.45, 2.1, 1.2, "brief\n\nno library details,\nat most 200 characters", CODE)
    _box(ax, 12.55, 1.45, 2.3, 1.2, "the page's status\nline or error card,\nin English or 中文", READER)
    arrow(ax, (2.6, 2.1), (3.05, 2.1))
    arrow(ax, (5.05, 2.4), (5.75, 3.45)); arrow(ax, (5.05, 1.8), (5.75, 1.45))
    arrow(ax, (8.05, 1.45), (8.7, 1.45)); arrow(ax, (10.8, 1.45), (11.4, 1.45))
    arrow(ax, (12.55, 0.8), (6.9, 0.8), connectionstyle="arc3,rad=-0.12")
    ax.text(9.75, -0.05, "the reader clicks 中文: the same Text, written again in the new language", ha="center", fontsize=8, color="#555555")
    save(fig, path)

if __name__ == "__main__": main({"message_flow.svg": message_flow})
