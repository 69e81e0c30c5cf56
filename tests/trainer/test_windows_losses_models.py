"""Windows, losses and the model registry."""

from __future__ import annotations

from datetime import datetime, timedelta

import numpy as np
import pytest
import torch

from custom_components.home_anomaly.engine.features import N_FEATURES
from trainer.data import Household, stack_windows
from trainer.losses import FocalLoss, class_weights, make_loss
from trainer.models import MODEL_NAMES, UnknownModelError, build_model, canonical_name


def _home(user: str, rows: int, marker: float) -> Household:
    return Household(
        user_id=user,
        timestamps=[datetime(2025, 1, 1) + timedelta(hours=h) for h in range(rows)],
        features=np.full((rows, N_FEATURES), marker, dtype=np.float32),
        labels=np.arange(rows) % 6,
        sensors=np.zeros((rows, 5)),
        missing=np.zeros((rows, 3), dtype=bool),
    )


def test_windows_never_cross_households_and_take_the_last_hours_label() -> None:
    homes = [_home("user_001", 40, 1.0), _home("user_002", 35, 2.0), _home("user_003", 10, 3.0)]
    windows, labels = stack_windows(homes, 32)
    assert windows.shape == (9 + 4, 32, N_FEATURES)  # the 10-hour home yields no window
    for window in windows:
        assert len(np.unique(window)) == 1  # every row of a window is from one home
    np.testing.assert_array_equal(labels[:9], np.arange(31, 40) % 6)
    np.testing.assert_array_equal(labels[9:], np.arange(31, 35) % 6)


@pytest.mark.parametrize("name", MODEL_NAMES)
def test_every_registered_model_maps_windows_to_six_logits(name: str) -> None:
    model = build_model(name, N_FEATURES, 32)
    assert model(torch.randn(3, 32, N_FEATURES)).shape == (3, 6)


def test_names_and_aliases() -> None:
    assert canonical_name("DilatedCNN") == "CNN_DILATION"
    assert canonical_name("lstm") == "LSTM"
    with pytest.raises(UnknownModelError, match="unknown model 'GRU': choose one of LSTM, CNN"):
        canonical_name("GRU")


def test_causal_convolutions_ignore_nothing_before_and_see_no_future() -> None:
    """Changing the first hour changes a CNN's output; the model reads the last hour's row."""
    torch.manual_seed(0)
    model = build_model("CNN_DILATION", N_FEATURES, 32).eval()
    x = torch.randn(1, 32, N_FEATURES)
    changed_last = x.clone()
    changed_last[0, -1] += 5.0
    assert not torch.allclose(model(x), model(changed_last))


def test_class_weights_favour_rare_classes() -> None:
    labels = np.array([0] * 900 + [1] * 90 + [5] * 10)
    weights = class_weights(labels, 6)
    assert weights[5] > weights[1] > weights[0]
    assert weights[2] == 0.0  # absent class


def test_focal_loss_with_gamma_zero_is_cross_entropy_and_down_weights_easy_windows() -> None:
    logits = torch.tensor([[4.0, 0.0, 0.0, 0.0, 0.0, 0.0], [0.0, 0.5, 0.0, 0.0, 0.0, 0.0]])
    target = torch.tensor([0, 1])
    ce = torch.nn.functional.cross_entropy(logits, target)
    assert FocalLoss(gamma=0.0)(logits, target) == pytest.approx(float(ce))
    per_window = [float(FocalLoss()(logits[i : i + 1], target[i : i + 1])) for i in range(2)]
    plain = [float(torch.nn.functional.cross_entropy(logits[i : i + 1], target[i : i + 1])) for i in range(2)]
    assert per_window[0] / plain[0] < per_window[1] / plain[1]  # the easy window shrinks more


def test_unknown_loss_is_refused() -> None:
    with pytest.raises(ValueError, match="unknown --loss_type 'hinge'"):
        make_loss("hinge", np.zeros(3, dtype=np.int64), 6)
