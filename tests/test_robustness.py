"""Chapter 05's measuring machinery without a trained network: `robustness_table` and `format_table` driven by a
stand-in classifier on the tiny generated pictures (moved here from a hidden cell of the chapter)."""
import numpy as np
import pytest
from resnet_cifar_edu.data import make_tiny_images
from resnet_cifar_edu.robustness import CORRUPTIONS, corrupt, format_table, robustness_table

class MeanColour:
    "Nearest class mean colour: a stand-in classifier for the tiny synthetic images; records the `tta` it was asked for."
    def __init__(self, x, y): self.means, self.tta_seen = np.stack([x[y == c].reshape(-1, 3).mean(0) for c in range(10)]), set()
    def predict_proba(self, imgs, tta=False):
        self.tta_seen.add(tta)
        d = ((imgs.reshape(len(imgs), -1, 3).mean(1)[:, None] - self.means[None]) ** 2).sum(-1)
        p = np.exp(-(d - d.min(1, keepdims=True)) / 50); return p / p.sum(1, keepdims=True)

def test_robustness_table_has_one_row_per_setting_and_the_right_accuracies():
    xs, ys = make_tiny_images(10, seed=3)
    clf = MeanColour(*make_tiny_images(10, seed=4))
    table = robustness_table(clf, xs, ys, progress=False)
    assert len(table) == 1 + sum(len(s) for _, s in CORRUPTIONS.values())
    assert table[0] == {"kind": "clean", "severity": 0, "accuracy": float((clf.predict_proba(xs).argmax(1) == ys).mean())}
    expected = [(k, s) for k, (_, sev) in CORRUPTIONS.items() for s in sev]
    assert [(r["kind"], r["severity"]) for r in table[1:]] == expected
    for r in table[1:]:  # each row is the accuracy on that damage, not a copy of the clean one
        want = float((clf.predict_proba(corrupt(xs, r["kind"], r["severity"])).argmax(1) == ys).mean())
        assert r["accuracy"] == want, r
    assert clf.tta_seen == {False}

def test_robustness_table_passes_tta_and_a_subset_of_kinds():
    xs, ys = make_tiny_images(2, seed=3)
    clf = MeanColour(*make_tiny_images(10, seed=4))
    table = robustness_table(clf, xs, ys, kinds=["blur"], tta="flip", progress=False)
    assert [r["kind"] for r in table] == ["clean"] + ["blur"] * len(CORRUPTIONS["blur"][1])
    assert clf.tta_seen == {"flip"}

def test_format_table_puts_tables_side_by_side():
    rows = lambda a: [{"kind": "clean", "severity": 0, "accuracy": a}, {"kind": "blur", "severity": 1.0, "accuracy": a / 2}]
    text = format_table({"PyTorch": rows(0.9), "Keras": rows(0.8)})
    head, rule, clean, blur = text.splitlines()
    assert head.split() == ["corruption", "severity", "PyTorch", "Keras"] and set(rule) == {"-"}
    assert clean.split() == ["clean", "0", "90.0%", "80.0%"] and blur.split() == ["blur", "1.0", "45.0%", "40.0%"]

def test_corrupt_refuses_what_it_would_garble():
    "One picture (H, W, 3) was blurred row by row or came back (32, 32, 3, 3); floats in [0, 1] came back black; an unknown kind was a KeyError."
    from resnet_cifar_edu.robustness import corrupt
    x = np.random.default_rng(0).integers(0, 256, (2, 32, 32, 3), dtype=np.uint8)
    for bad in (x[0], x / 255):
        with pytest.raises(ValueError, match=r"uint8 batch \(N, H, W, 3\)"): corrupt(bad, "blur", 1.0)
    with pytest.raises(ValueError, match="unknown corruption 'fog'"): corrupt(x, "fog", 1)
    assert corrupt(x[0][None], "jpeg", 50).shape == (1, 32, 32, 3)

def test_evaluation_refuses_mismatched_inputs():
    "accuracy(5 rows, 1 label) broadcast to 0.2; a two-class model's report named its classes airplane and automobile and added eight empty ones."
    from resnet_cifar_edu.evaluate import accuracy, evaluation_report
    with pytest.raises(ValueError, match="1 labels for 5 rows"): accuracy(np.eye(5), [3])
    with pytest.raises(ValueError, match="1 labels for 5 rows"): evaluation_report(np.eye(10)[:5], [3])  # reported 1.0
    with pytest.raises(ValueError, match="10 class names for 2 columns"): evaluation_report(np.eye(2)[[0, 1, 1]], [0, 1, 1])
    assert evaluation_report(np.eye(2)[[0, 1, 1]], [0, 1, 1], ["cat", "dog"])["per_class"] == {"cat": 1.0, "dog": 1.0}

def test_tables_are_matched_by_row_and_kinds_checked():
    "format_table paired rows by position (tables made with kinds in another order printed one kind's numbers beside another's); robustness_table gave KeyError 'fog' or 'b' (kinds='blur'); occlusion wider than the picture gave 'high <= 0'."
    xs, ys = make_tiny_images(2, seed=3)
    clf = MeanColour(*make_tiny_images(10, seed=4))
    a = robustness_table(clf, xs, ys, kinds=["blur", "jpeg"], progress=False)
    b = robustness_table(clf, xs, ys, kinds="jpeg", progress=False)  # one kind, as a string
    assert [r["kind"] for r in b] == ["clean"] + ["jpeg"] * len(CORRUPTIONS["jpeg"][1])
    lines = format_table({"A": a, "B": b}).splitlines()[2:]
    for r in a:
        line = next(l for l in lines if l.split()[:2] == [r["kind"], str(r["severity"])])
        other = next((q["accuracy"] for q in b if (q["kind"], q["severity"]) == (r["kind"], r["severity"])), None)
        assert line.split()[2:] == [f"{r['accuracy']:.1%}", "–" if other is None else f"{other:.1%}"]
    with pytest.raises(ValueError, match="unknown corruption 'fog'"): robustness_table(clf, xs, ys, kinds=["fog"], progress=False)
    with pytest.raises(ValueError, match="square of 40 pixels does not fit 32×32"): corrupt(xs, "occlusion", 40)

def test_evaluation_refuses_logits_and_labels_outside_the_classes():
    "evaluation_report took logits and reported an ECE of 5.0 (it can never exceed 1); a label equal to the class count failed with 'cannot reshape array'."
    from resnet_cifar_edu.evaluate import confusion_matrix, evaluation_report
    logits = np.array([[5.0, 1.0, -2.0], [0.5, 4.0, 1.0]])
    with pytest.raises(ValueError, match="takes probabilities, rows that sum to 1"): evaluation_report(logits, [0, 1], list("abc"))
    probs = np.exp(logits) / np.exp(logits).sum(1, keepdims=True)
    assert evaluation_report(probs, [0, 1], list("abc"))["accuracy"] == 1.0
    with pytest.raises(ValueError, match="labels must be class numbers 0 to 2, got 1 to 3"): confusion_matrix(probs, [1, 3])
    with pytest.raises(ValueError, match="labels must be class numbers 0 to 2"): evaluation_report(probs, [0, -1], list("abc"))
