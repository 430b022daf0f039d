"""The twin contract: resnet, augment, train, infer and distributed have the same public names and signatures in PyTorch
and TensorFlow, except the framework-only names listed, each with its reason, in resnet_cifar_edu.twins."""
from resnet_cifar_edu import twins

def test_the_twins_keep_the_contract():
    assert twins.twin_contract_problems() == []
    assert all(reason.strip() for reason in {**twins.FRAMEWORK_ONLY, **twins.SIGNATURE_EXCEPTIONS}.values())

def test_the_check_catches_drift(monkeypatch):
    "A new unlisted public helper, a changed signature and a stale allow-list entry are each reported."
    import resnet_cifar_edu.torch.augment as pta, resnet_cifar_edu.tensorflow.augment as tfa
    def helper(x): return x
    monkeypatch.setattr(pta, "helper", helper, raising=False)
    monkeypatch.setattr(pta, "__all__", [*pta.__all__, "helper"])
    monkeypatch.setattr(tfa, "hflip", lambda x, axis=2: x)
    monkeypatch.setitem(twins.FRAMEWORK_ONLY, "torch.augment.gone", "a helper that was removed")
    problems = twins.twin_contract_problems(("augment",))
    assert any("torch.augment.helper" in p for p in problems), problems
    assert any(p.startswith("augment.hflip") for p in problems), problems
    assert any("torch.augment.gone" in p for p in problems), problems
