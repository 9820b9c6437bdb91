"""Read an offline W&B run back from its transaction log (``run-<id>.wandb``), with wandb's own schema.

The file is a sequence of ``wandb_internal_pb2.Record`` protobuf messages in the LevelDB log
format (the framing W&B documents for its transaction log): a 7-byte file header (``:W&B``, a
2-byte magic, a version byte), then 32 KiB blocks of chunks, each with a 7-byte header (CRC32C,
length, type: 1 full, 2 first, 3 middle, 4 last). wandb 0.31 ships no Python reader for it (its
reader is in the Go core), so the tests parse the framing here and let wandb's protobuf classes
decode each record. The CRC is not checked: a torn record would fail to parse instead.
"""

from __future__ import annotations

import json
import struct
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

BLOCK = 32768
FILE_HEADER = 7
CHUNK_HEADER = 7


def _chunks(data: bytes) -> list[bytes]:
    assert data[:4] == b":W&B", f"not a W&B transaction log: {data[:7]!r}"
    out, pending, pos = [], b"", FILE_HEADER
    while pos + CHUNK_HEADER <= len(data):
        left = BLOCK - pos % BLOCK
        if left < CHUNK_HEADER:  # the rest of a block too short for a header is padding
            pos += left
            continue
        _crc, length, kind = struct.unpack("<IHB", data[pos:pos + CHUNK_HEADER])
        if kind == 0 and length == 0:
            pos += left
            continue
        body = data[pos + CHUNK_HEADER:pos + CHUNK_HEADER + length]
        pos += CHUNK_HEADER + length
        if kind == 1:
            out.append(body)
        elif kind == 2:
            pending = body
        elif kind == 3:
            pending += body
        elif kind == 4:
            out.append(pending + body)
            pending = b""
    return out


def _items(items: Any) -> dict[str, Any]:
    return {"/".join(i.nested_key) if i.nested_key else i.key: json.loads(i.value_json) for i in items}


@dataclass
class OfflineRun:
    """What an offline run's transaction log holds, decoded."""

    run_id: str = ""
    config: dict[str, Any] = field(default_factory=dict)
    history: list[dict[str, Any]] = field(default_factory=list)
    summary: dict[str, Any] = field(default_factory=dict)
    artifacts: list[Any] = field(default_factory=list)
    metrics: list[Any] = field(default_factory=list)
    exit_code: int | None = None


def read_offline_run(path: Path) -> OfflineRun:
    """Decode ``run-<id>.wandb`` (or the only one under a run folder)."""
    from wandb.proto import wandb_internal_pb2 as pb

    if path.is_dir():
        (path,) = sorted(path.glob("run-*.wandb"))
    run = OfflineRun()
    for raw in _chunks(path.read_bytes()):
        record = pb.Record()
        record.ParseFromString(raw)
        kind = record.WhichOneof("record_type")
        if kind == "run":  # the first is the run's start; later ones (updates) may leave the id out
            run.run_id = run.run_id or record.run.run_id
        elif kind == "config":
            run.config.update(_items(record.config.update))
        elif kind == "history":
            run.history.append(_items(record.history.item))
        elif kind == "summary":
            run.summary.update(_items(record.summary.update))
        elif kind == "artifact":
            run.artifacts.append(record.artifact)
        elif kind == "metric":
            run.metrics.append(record.metric)
        elif kind == "exit":
            run.exit_code = record.exit.exit_code
    return run


def finished_offline_run(path: Path, timeout_s: float = 30.0) -> OfflineRun:
    """:func:`read_offline_run` once the log holds the run's exit record.

    ``run.finish()`` returns before wandb's service process has written the transaction log out
    (at first the file holds its header only); the process's exit waits for it, a test does not.
    """
    import time

    deadline = time.monotonic() + timeout_s
    while True:
        run = read_offline_run(path)
        if run.exit_code is not None or time.monotonic() > deadline:
            assert run.exit_code is not None, f"no exit record in {path} after {timeout_s} s"
            return run
        time.sleep(0.05)


def offline_runs(wandb_dir: Path) -> list[Path]:
    """The offline run folders under a WANDB_DIR, oldest first."""
    return sorted((wandb_dir / "wandb").glob("offline-run-*"))
