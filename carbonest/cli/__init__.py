"""The command line: thin layers that parse, call the public API and render.

Rules of this subpackage:

* No equation and no table lookup here beyond calling the public API and the
  ways in (``estimate``, ``measure``, ``whatif``, ``catalog.views``); one
  module per command (``<name>_cmd.py``), registered in :mod:`~carbonest.cli.main`,
  which imports only the module of the command being run (start-up time).
* A user mistake (any :class:`~carbonest.errors.CarbonestError` from bad
  input) becomes one line on stderr naming the flag, and exit code 2, never a
  traceback.
* It may import every layer; nothing in carbonest may import it (it is the top, L8).
"""
