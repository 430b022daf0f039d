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
