"""Fixtures for the integration tests: a private carbonest home, MLflow's and W&B's state in
temporary folders (a real SQLite tracking store; W&B offline), and no network but loopback.

MLflow's and wandb's imports take seconds: each test module imports them once (through
``support.needs``), and the MLflow store is shared by a module's tests (they read back by run id).
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from _integration_env import isolate

OUTSIDE_STATE = ("MLFLOW_RUN_ID", "MLFLOW_EXPERIMENT_NAME", "MLFLOW_EXPERIMENT_ID", "WANDB_PROJECT",
                 "WANDB_RUN_ID", "WANDB_API_KEY")


@pytest.fixture(autouse=True)
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A private CARBONEST_HOME; settings, launcher, tracker and outside-tool variables unset, the
    Hub offline (_integration_env.py)."""
    folder = tmp_path / "carbonest-home"
    isolate(monkeypatch, folder)
    for name in OUTSIDE_STATE:
        monkeypatch.delenv(name, raising=False)
    return folder


@pytest.fixture(scope="module")
def mlflow_store(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A real local MLflow tracking store (SQLite; artifacts beside it) for the module's tests."""
    folder = tmp_path_factory.mktemp("mlflow")
    uri = f"sqlite:///{folder / 'mlflow.db'}"
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("MLFLOW_TRACKING_URI", uri)
        mp.setenv("MLFLOW_DISABLE_TELEMETRY", "true")  # MLflow 3 reports usage over the network otherwise
        mp.setenv("DO_NOT_TRACK", "true")
        mp.chdir(folder)  # the store's default artifact root is ./mlruns, fixed when it is created
        import mlflow

        mlflow.set_tracking_uri(uri)
        mlflow.MlflowClient(uri).search_experiments()  # create the tables once, here
        yield uri
        mlflow.set_tracking_uri(None)


@pytest.fixture
def wandb_offline(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """W&B in offline mode, every folder it writes under ``tmp_path/wandb-state``; yields WANDB_DIR.

    wandb reads its settings from the environment once per process (its setup singleton):
    ``wandb.teardown()`` afterwards makes the next test's folders count.
    """
    import wandb

    state = tmp_path / "wandb-state"
    for var, sub in (("WANDB_DIR", "dir"), ("WANDB_DATA_DIR", "data"), ("WANDB_CACHE_DIR", "cache"),
                     ("WANDB_CONFIG_DIR", "config"), ("WANDB_ARTIFACT_DIR", "artifacts")):
        (state / sub).mkdir(parents=True)
        monkeypatch.setenv(var, str(state / sub))
    monkeypatch.setenv("WANDB_MODE", "offline")
    monkeypatch.setenv("WANDB_SILENT", "true")
    monkeypatch.setenv("WANDB_ERROR_REPORTING", "false")
    monkeypatch.setenv("WANDB_DISABLE_GIT", "true")
    monkeypatch.setenv("WANDB_DISABLE_CODE", "true")
    wandb.teardown()
    yield state / "dir"
    wandb.teardown()
