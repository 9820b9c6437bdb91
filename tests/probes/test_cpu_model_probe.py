"""The CPU model probe's host facts: what is read once per process, and what every time."""

from __future__ import annotations



def test_the_real_cpuinfo_is_read_once_and_a_test_tree_every_time(tmp_path) -> None:
    import os

    from carbonest.probes import cpu_model

    if os.path.exists("/proc/cpuinfo"):
        first = cpu_model._cpuinfo_lines("/proc")
        assert first and cpu_model._cpuinfo_lines("/proc") is first  # the host's: once per process
    (tmp_path / "cpuinfo").write_text("model name\t: Old CPU 1000\n")
    assert cpu_model.read_cpu_model_name(str(tmp_path)) == "Old CPU 1000"
    (tmp_path / "cpuinfo").write_text("model name\t: New CPU 2000\n")
    assert cpu_model.read_cpu_model_name(str(tmp_path)) == "New CPU 2000"
