"""``import carbonest``, ``import carbonest.integrations`` and ``carbonest estimate`` load no ML
framework (checked in a fresh interpreter's ``sys.modules``)."""

from __future__ import annotations

import json
import subprocess
import sys

import support

FRAMEWORKS = ("torch", "transformers", "accelerate", "huggingface_hub", "lightning", "pytorch_lightning",
              "lightning_fabric", "mlflow", "wandb", "IPython", "tensorflow", "jax", "safetensors", "yaml")

PROGRAM = """
import json, sys
import carbonest, carbonest.integrations
carbonest.estimate(gpu="V100", gpus=8, hours=24, region="quebec")
from carbonest.cli.main import main
code = main(["estimate", "--gpu", "A100", "--hours", "2", "--region", "FR", "--json"])
print(json.dumps({"code": code, "loaded": sorted(m for m in %r if m in sys.modules)}))
""" % (FRAMEWORKS,)


def test_carbonest_and_estimate_import_no_framework() -> None:
    done = subprocess.run([sys.executable, "-c", PROGRAM], capture_output=True, text=True, timeout=120,
                          env=support.loopback_env())
    assert done.returncode == 0, done.stderr
    result = json.loads(done.stdout.strip().splitlines()[-1])
    assert result == {"code": 0, "loaded": []}
