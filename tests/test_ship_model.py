"""tools/ship_model.py's model card for a second training cycle (`--init-from` the shipped weights): it names the commit
that shipped the starting weights and gives the commands that fetch them back, since shipping overwrites that file."""
import hashlib, json, subprocess
from pathlib import Path

import ship_model as sm

ROOT = Path(__file__).resolve().parents[1]
WEIGHTS = ROOT/"resnet_cifar_edu"/"weights"/"resnet18_cifar10.safetensors"

def test_the_commit_that_shipped_the_weights_holds_them():
    card = json.loads((WEIGHTS.parent/"model_card.json").read_text())
    commit = sm.shipped_in_commit(WEIGHTS, card["sha256"])
    if commit is None:  # only when the weights file differs from the last commit's (e.g. while shipping a new model)
        assert subprocess.run(["git", "diff", "--quiet", "HEAD", "--", str(WEIGHTS.relative_to(ROOT))], cwd=ROOT).returncode != 0
        return
    blob = subprocess.run(["git", "show", f"{commit}:{WEIGHTS.relative_to(ROOT)}"], cwd=ROOT, capture_output=True, check=True).stdout
    assert hashlib.sha256(blob).hexdigest() == card["sha256"]
    assert sm.shipped_in_commit(WEIGHTS, "0" * 64) is None  # another file's digest: no commit

def test_second_cycle_card_says_how_to_get_the_starting_weights():
    card = json.loads((WEIGHTS.parent/"model_card.json").read_text())
    card = {**card, "recipe": {**card["recipe"], "init_from": ""}, "lineage": []}  # as if trained from random weights
    first = sm.model_card_md(card)
    assert "git show" not in first and "--init-from" not in first.split("## Reproduce")[1]  # a run from random weights
    second = {**card, "recipe": {**card["recipe"], "init_from": "resnet_cifar_edu/weights/resnet18_cifar10.safetensors"},
              "lineage": [{"weights": WEIGHTS.name, "sha256": "ab" * 32, "epochs": 16, "commit": "c0ffee" * 6 + "abcd"}],
              "time_note": "Stopped after epoch 5 and resumed."}
    md = sm.model_card_md(second)
    steps = md.split("## Reproduce")[1]
    assert f"git show {'c0ffee' * 6}abcd:resnet_cifar_edu/weights/{WEIGHTS.name} > runs/start.safetensors" in steps
    assert "--init-from runs/start.safetensors" in steps and "--init-from resnet_cifar_edu" not in steps
    assert steps.index("git show") < steps.index("resnet-cifar train")
    assert "Stopped after epoch 5 and resumed." in md and "sha256 abababababab…, 16 epochs" in md
    assert "Started from**: the model shipped in commit `c0ffeec` (sha256" in md  # named by where to get it, not by a copy's file name

def test_banner_counts_every_cycle_in_both_languages():
    first = sm.banner(0.8893, 16, [], "a 2-core CPU")
    assert first["description"].endswith("88.9% on the CIFAR-10 test images (JPEG re-encoding), 16 epochs on a 2-core CPU")
    assert "88.9%" in first["description_zh"] and "在 2 核 CPU 上训练了 16 个轮次" in first["description_zh"]
    second = sm.banner(0.8999, 16, [{"epochs": 16, "sha256": "ab" * 32}], "a laptop")
    assert "90.0%" in second["description"] and "16 + 16 epochs on a laptop" in second["description"]
    assert "在 a laptop 上训练了 16 + 16 个轮次" in second["description_zh"]  # an unknown machine is quoted as given

def test_relabel_changes_the_banner_lines_and_nothing_else(tmp_path):
    from safetensors import safe_open
    from resnet_cifar_edu.weights import read_weights
    for f in (WEIGHTS, WEIGHTS.parent/"model_card.json", WEIGHTS.parent/"MODEL_CARD.md"): (tmp_path/f.name).write_bytes(f.read_bytes())
    card = json.loads((tmp_path/"model_card.json").read_text())
    card["lineage"] = card.get("lineage", [])[:1] + [{"weights": WEIGHTS.name, "epochs": 7, "sha256": "cd" * 32}]  # a made-up third cycle
    (tmp_path/"model_card.json").write_text(json.dumps(card))
    before, meta_before = read_weights(tmp_path/WEIGHTS.name)
    sm.relabel(tmp_path, "a 2-core CPU")
    after, meta = read_weights(tmp_path/WEIGHTS.name)
    assert before.keys() == after.keys() and all((before[k] == after[k]).all() for k in before)
    with safe_open(str(tmp_path/WEIGHTS.name), framework="numpy") as f: assert all(f.get_slice(k).get_dtype() == "F16" for k in f.keys() if "num_batches" not in k and f.get_slice(k).get_dtype().startswith("F"))
    acc = f"{card['test']['torch']['accuracy']:.1%}"
    assert f"{acc} on the CIFAR-10" in meta["description"] and " + ".join(str(a["epochs"]) for a in card["lineage"]) + f" + {card['epochs']} epochs" in meta["description"]
    assert acc in meta["description_zh"] and "个轮次" in meta["description_zh"]
    assert {k: v for k, v in meta.items() if not k.startswith("description")} == {k: v for k, v in meta_before.items() if not k.startswith("description")}
    new = json.loads((tmp_path/"model_card.json").read_text())
    assert new["sha256"] == hashlib.sha256((tmp_path/WEIGHTS.name).read_bytes()).hexdigest() != card["sha256"]
    assert new["sha256"] in (tmp_path/"MODEL_CARD.md").read_text()

def test_card_compares_the_backends_on_every_test_image_and_still_reads_older_cards():
    t = {"torch": {"n": 10000}}
    assert sm.backend_gap({**t, "max_prob_diff_torch_vs_tf": 2.5e-6}).endswith("on all 10,000 test images: 2.5e-06.")
    assert "first 1,000 test images: 1.7e-06" in sm.backend_gap({**t, "max_prob_diff_torch_vs_tf_first_1000": 1.7e-6})  # the shipped card's key
    assert "not measured" in sm.backend_gap(t)

def test_card_says_how_often_the_test_images_were_seen():
    assert sm.split_note([]).endswith("the 10,000 test images were used once, after training")
    two = sm.split_note([{"epochs": 16, "commit": "a" * 40}, {"epochs": 16, "commit": "b" * 40}])
    assert "once after each of the 2 earlier cycles, when it was shipped" in two and "used once, after training" not in two
    assert "once after the earlier cycle, when it was shipped" in sm.split_note([{"epochs": 16, "commit": "a" * 40}])
    assert "may have been scored" in sm.split_note([{"epochs": 16}])  # weights from elsewhere: the tool cannot know
