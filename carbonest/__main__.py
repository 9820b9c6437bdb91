"""``python -m carbonest``: the same as the ``carbonest`` command."""

import sys

from carbonest.cli.main import main

sys.exit(main())
