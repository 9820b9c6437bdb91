"""Loaded by child Python processes of the tests (see tests/support.py): the loopback-only guard."""

import os
import sys

if os.environ.get("CARBONEST_TEST_LOOPBACK_GUARD") == "1":
    sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    import support

    support.install_loopback_guard()
