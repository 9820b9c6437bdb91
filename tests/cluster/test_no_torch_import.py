"""carbonest never imports torch: a launcher's variables alone do not make it look for torch."""

from __future__ import annotations

import json
import subprocess
import sys

CODE = """
import json, sys
import carbonest
with carbonest.track("t", region="FR", interval_s=0.01, store=False) as run:
    pass
print(json.dumps({"torch": sorted(m for m in sys.modules if m == "torch" or m.startswith("torch.")),
                  "job": dict(run.record.job)}))
"""


def test_a_torchrun_rank_without_torch_imported_stays_without_it(tmp_path) -> None:
    env = {"PATH": "/usr/bin:/bin", "CARBONEST_HOME": str(tmp_path), "LOCAL_RANK": "0", "RANK": "0",
           "WORLD_SIZE": "2", "TORCHELASTIC_RUN_ID": "no-torch", "CARBONEST_CLAIMS_DIR": str(tmp_path / "c")}
    out = subprocess.run([sys.executable, "-c", CODE], env=env, capture_output=True, text=True, check=True).stdout
    seen = json.loads(out)
    assert seen["torch"] == []
    assert seen["job"]["id"] == "no-torch" and seen["job"]["counts_host"] is True
