"""The config file is read once per process; its problems are never silent (items 14, 15)."""

from __future__ import annotations

import os
import subprocess
import sys
import time
import warnings
from pathlib import Path

import pytest

from carbonest.errors import InvalidInputError
from carbonest.measure.tracker import track

from _trackertest_helpers import FAST

REPO = Path(__file__).resolve().parents[2]


def test_an_edit_that_breaks_the_config_between_epochs_warns_and_keeps_the_last_good(make_probe, store,
                                                                                     home: Path) -> None:
    config = home / "config.toml"
    config.write_text('region = "FR"\npue = 1.3\n')
    probe = make_probe()

    @track(probes=[probe], store=store, **FAST)
    def epoch() -> None:
        time.sleep(0.01)

    epoch()
    config.write_text("pue = 0.5\n")  # edited while training runs
    with pytest.warns(RuntimeWarning, match=rf"{config}: pue: .*last read from it are kept"):
        epoch()  # does not raise
    runs = store.list_runs()
    assert len(runs) == 2 and all(r["pue"] == 1.3 and r["region"]["id"] == "FR" for r in runs)
    config.write_text('region = "DE"\npue = 1.1\n')  # a later valid edit is taken
    epoch()
    assert store.list_runs()[0]["pue"] == 1.1 and store.list_runs()[0]["region"]["id"] == "DE"


def test_an_invalid_config_on_the_first_load_raises_before_the_run(make_probe, store, home: Path) -> None:
    (home / "config.toml").write_text("pue = 0.5\n")
    with pytest.raises(InvalidInputError, match=rf"^{home / 'config.toml'}: pue: "):
        track(region="FR", probes=[make_probe()], store=store, **FAST).start()
    assert store.list_runs() == []


def test_the_file_is_parsed_once_while_it_does_not_change(make_probe, store, home: Path, monkeypatch) -> None:
    from carbonest import config

    (home / "config.toml").write_text('region = "FR"\n')
    calls = []
    real = config._parse
    monkeypatch.setattr(config, "_parse", lambda *a: calls.append(a) or real(*a))
    for _ in range(3):
        with track(probes=[make_probe()], store=store, **FAST):
            pass
    assert len(calls) == 1  # the path is new to this process (tmp_path): parsed once, then cached


@pytest.mark.parametrize(("text", "key"), [("interval_s = true\n", "interval_s"), ('pue = "1.2"\n', "pue"),
                                           ("region = 5\n", "region")])
def test_a_value_of_the_wrong_type_is_an_error_naming_file_and_key(make_probe, store, home: Path,
                                                                    text: str, key: str) -> None:
    (home / "config.toml").write_text(text)
    with pytest.raises(InvalidInputError, match=rf"^{home / 'config.toml'}: {key}: must be a"):
        track(region="FR", probes=[make_probe()], store=store, **FAST).start()


def _settings_warnings(make_probe, store) -> list[str]:
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        with track(region="FR", probes=[make_probe()], store=store, **FAST):
            pass
    return [str(w.message) for w in caught if issubclass(w.category, RuntimeWarning)]


def test_carbonest_config_naming_a_missing_file_is_a_warning(make_probe, store, tmp_path: Path, monkeypatch) -> None:
    missing = tmp_path / "no-such.toml"
    monkeypatch.setenv("CARBONEST_CONFIG", str(missing))
    found = _settings_warnings(make_probe, store)
    assert any("CARBONEST_CONFIG" in m and str(missing) in m and "does not exist" in m for m in found), found


def test_a_config_that_is_a_folder_is_a_warning(make_probe, store, home: Path) -> None:
    (home / "config.toml").mkdir()
    found = _settings_warnings(make_probe, store)
    assert any(str(home / "config.toml") in m and "folder" in m for m in found), found


def test_a_config_that_is_a_dangling_link_is_a_warning(make_probe, store, home: Path) -> None:
    (home / "config.toml").symlink_to(home / "gone.toml")
    found = _settings_warnings(make_probe, store)
    assert any(str(home / "config.toml") in m and "missing file" in m for m in found), found


@pytest.mark.parametrize(("files", "env", "expected"), [
    ({"config.toml": "pue = 0.5\n"}, {}, "{home}/config.toml: pue: "),
    ({}, {"CARBONEST_PUE": "0.5"}, "CARBONEST_PUE: "),
    ({}, {"CARBONEST_BASIS": "net"}, "CARBONEST_BASIS: "),
])
def test_cli_errors_name_their_source_not_a_flag(tmp_path: Path, files, env, expected: str) -> None:
    home = tmp_path / "h"
    home.mkdir()
    for name, text in files.items():
        (home / name).write_text(text)
    full_env = {**os.environ, "CARBONEST_HOME": str(home), **env}
    done = subprocess.run([sys.executable, "-m", "carbonest", "measure", "--", "true"], capture_output=True,
                          text=True, cwd=REPO, env=full_env, timeout=60)
    assert done.returncode == 2
    assert done.stderr.startswith("carbonest measure: error: " + expected.format(home=home)), done.stderr
    assert "--config" not in done.stderr and "--CARBONEST" not in done.stderr


def test_live_provider_keys_in_the_config_are_typed(tmp_path, monkeypatch) -> None:
    """The live providers' keys are checked like the others: a bool timeout or a numeric token is
    an error naming the file and the key, not a silent 1.0 or 5."""
    from carbonest.config import load_settings
    from carbonest.errors import InvalidInputError

    for text, key in (("intensity_timeout_s = true\n", "intensity_timeout_s"), ("electricitymaps_token = 5\n",
                                                                                "electricitymaps_token")):
        path = tmp_path / f"{key}.toml"
        path.write_text(text)
        monkeypatch.setenv("CARBONEST_CONFIG", str(path))
        with pytest.raises(InvalidInputError) as info:
            load_settings()
        assert key in str(info.value) and str(path) in str(info.value)
