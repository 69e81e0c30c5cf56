"""Settings: defaults ← JSON file ← flags; bad input gets one clear line."""

from __future__ import annotations

from pathlib import Path

import pytest

from trainer.cli import main
from trainer.config import ConfigError, TrainConfig, load_config


def test_original_defaults() -> None:
    config = load_config(None, {})
    assert (config.model_type, config.epochs, config.batch_size, config.lr) == ("LSTM", 10, 64, 0.001)
    assert (config.patience, config.window_size, config.loss_type) == (5, 32, "weighted_ce")
    assert config.balanced_loader is False
    assert config.log is True


def test_file_sets_defaults_and_flags_override_it(tmp_path: Path) -> None:
    settings = tmp_path / "settings.json"
    settings.write_text('{"epochs": 3, "model_type": "TCN", "loss_type": "focal"}')
    config = load_config(settings, {"epochs": 7, "model_type": None})
    assert config.epochs == 7  # the flag wins
    assert config.model_type == "TCN"  # the file's value, no flag given
    assert config.loss_type == "focal"


def test_all_trains_every_model() -> None:
    assert TrainConfig(model_type="ALL").model_names() == ["LSTM", "CNN", "CNN_DILATION", "TCN", "TRANSFORMER"]
    assert TrainConfig(model_type="DilatedCNN").model_names() == ["CNN_DILATION"]


@pytest.mark.parametrize(
    ("settings", "message"),
    [
        ('{"epochs": 0}', "--epochs must be at least 1, got 0"),
        ('{"lr": 5}', "--lr must be between 0 and 1, got 5.0"),
        ('{"batch_size": "many"}', "batch_size: 'many' is not a valid int"),
        ('{"learning_rate": 0.1}', "unknown setting(s) learning_rate"),
        ('{"loss_type": "hinge"}', "unknown --loss_type 'hinge'"),
        ("[1, 2]", "expected a JSON object"),
        ("{epochs: 3}", "not valid JSON"),
    ],
)
def test_bad_config_files(tmp_path: Path, settings: str, message: str) -> None:
    path = tmp_path / "bad.json"
    path.write_text(settings)
    with pytest.raises(ConfigError, match=message.replace("(", r"\(").replace(")", r"\)")):
        load_config(path, {})


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["--model_type", "GRU", "--no-log"], "unknown model 'GRU'"),
        (["--epochs", "-1", "--no-log"], "--epochs must be at least 1"),
        (["--config", "/nonexistent/settings.json"], "no such file"),
        (["--data", "/nonexistent/data", "--no-log"], "/nonexistent/data"),
        (["evaluate", "--model", "/nonexistent/m.onnx", "--data", "."], "model file /nonexistent/m.onnx not found"),
    ],
)
def test_cli_errors_are_one_line(argv: list[str], message: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: ")
    assert err.count("\n") == 1
    assert message in err
