"""The command line: thin layers that parse, call the public API and render.

Rules: no equation and no table lookup here beyond calling the public API; a
user mistake (any :class:`~carbonest.errors.CarbonestError` from bad input)
becomes one line on stderr and exit code 2, never a traceback.
"""
