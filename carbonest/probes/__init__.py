"""Measurement backends ("probes") behind one small contract (:mod:`carbonest.probes.base`).

Rules of this subpackage:

* One backend per module: ``nvml`` (NVIDIA GPUs), ``rapl`` (Linux powercap RAPL
  counters for CPU packages and DRAM), ``cpu_model`` (TDP x utilisation),
  ``memory_model`` (W per GB in use), ``fake`` (scripted, for tests).
* A probe only reports what the hardware (or its model) says, with provenance;
  policy such as the fallback order lives in :mod:`carbonest.probes.discovery`
  and the tracker.
* Constructing a probe does no I/O and imports no vendor module; ``open()``
  discovers devices and raises ``ProbeUnavailableError`` / ``ProbePermissionError``
  with an actionable ``fix``; ``read()`` never sleeps and never returns 0 for
  "could not read".
* Vendor errors (``pynvml.NVMLError``, ``OSError`` from sysfs) are translated in
  the module that calls the vendor, at one boundary.
* Nothing is imported here, so ``import carbonest`` stays light: import the
  module you need, e.g. ``from carbonest.probes.discovery import discover_probes``.
* What it may import: layers L0-L3 (errors, units, records, formulas, catalog). A
  backend does not read the catalog itself: a table value such as a TDP is passed
  in by the caller (``measure.setup``, or discovery's documented defaults).
  Never the store, intensity, the ways in or the CLI; only ``measure`` and above
  use probes.
"""
