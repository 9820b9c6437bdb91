"""mypy --strict is clean on the typed core (DESIGN.md section 2): units, records, errors,
formulas, catalog and the contracts, and the public face (carbonest/__init__.py, the estimate
and track entry points, tests/typing_face.py)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
TYPED = [
    "carbonest/units.py", "carbonest/textnum.py", "carbonest/records", "carbonest/errors.py", "carbonest/inputs.py",
    "carbonest/formulas", *sorted(str(p.relative_to(REPO)) for p in (REPO / "carbonest/catalog").glob("*.py")
                                  if p.name != "views.py"),  # views: the pandas face
    "carbonest/probes/base.py", "carbonest/store/base.py",
    "carbonest/intensity/base.py", "carbonest/intensity/table.py", "carbonest/estimate",
    # the public face: the package's names, the track entry point, and a use of them whose
    # misspelt keywords must be type errors (tests/typing_face.py)
    "carbonest/__init__.py", "carbonest/measure/tracker.py", "carbonest/measure/phases.py", "tests/typing_face.py",
    "carbonest/whatif/pyarr.py", "carbonest/whatif/backend.py",
    "carbonest/integrations/base.py",
]


@pytest.mark.slow
def test_mypy_strict_on_the_typed_core() -> None:
    pytest.importorskip("mypy")
    done = subprocess.run(
        [sys.executable, "-m", "mypy", "--strict", "--no-incremental", *TYPED],
        cwd=REPO, capture_output=True, text=True, timeout=600,
    )
    assert done.returncode == 0, done.stdout + done.stderr
