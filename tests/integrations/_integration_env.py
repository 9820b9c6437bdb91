"""The environment every integration test runs in: a private carbonest home, no settings or
launcher variables inherited from the shell, the Hub offline."""

from __future__ import annotations

from pathlib import Path

import pytest

from carbonest.store.runinfo import DISTRIBUTED_VARS

SETTINGS_VARS = ("CARBONEST_REGION", "CARBONEST_PUE", "CARBONEST_CONFIG", "CARBONEST_BASIS",
                 "CARBONEST_INTENSITY_PROVIDER")
OFFLINE = {"HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1", "HF_HUB_DISABLE_TELEMETRY": "1",
           "WANDB_MODE": "disabled"}


def isolate(monkeypatch: pytest.MonkeyPatch, home: Path) -> None:
    """CARBONEST_HOME in ``home``, settings and launcher variables unset, the Hub offline."""
    home.mkdir(parents=True, exist_ok=True)
    monkeypatch.setenv("CARBONEST_HOME", str(home))
    for name in SETTINGS_VARS + DISTRIBUTED_VARS + ("SLURM_LOCALID", "OMPI_COMM_WORLD_LOCAL_RANK"):
        monkeypatch.delenv(name, raising=False)
    for name, value in OFFLINE.items():
        monkeypatch.setenv(name, value)
    monkeypatch.setenv("HF_HOME", str(home / "hf-home"))
