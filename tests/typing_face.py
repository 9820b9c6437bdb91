"""Checked by mypy --strict in tests/test_typing.py (not collected by pytest): the public face
has real signatures. Each ``type: ignore`` below must be needed, or --strict reports it as
unused: a signature hiding its keywords in ``**kwargs: Any`` would accept the misspelt ones."""

from __future__ import annotations

import carbonest


def estimate_is_typed() -> float:
    e: carbonest.Estimate = carbonest.estimate(gpu="V100", params=7e9, tokens=1e9, embodied=True, region="FR")
    carbonest.estimate(gpu="V100", hourz=1)  # type: ignore[call-arg]
    carbonest.estimate(gpu="V100", hours=1, embodied="yes")  # type: ignore[arg-type]
    return e.co2e_kg


def track_is_typed() -> str:
    tracker: carbonest.Tracker = carbonest.track("train", region="FR", pue=1.2, store=False)
    carbonest.track("train", regoin="FR")  # type: ignore[call-overload]

    @carbonest.track
    def step(x: int) -> int:
        return x

    record: carbonest.RunRecord = carbonest.get_run("abc")
    return tracker.run_id + str(step(1)) + record.name


def errors_are_exported() -> tuple[type[Exception], ...]:
    return (carbonest.StorageError, carbonest.ProviderError, carbonest.ProbeUnavailableError,
            carbonest.ProbePermissionError)
