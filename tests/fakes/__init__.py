"""Faithful stand-ins for hardware interfaces: a powercap sysfs tree and a pynvml module."""
