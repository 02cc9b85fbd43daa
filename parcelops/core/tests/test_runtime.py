"""The runtime settings of long-running processes (parcelops.core.runtime)."""

import gc
import os
import subprocess
import sys
from pathlib import Path

import pytest

from parcelops.core.runtime import GC_THRESHOLDS, settle_after_startup


@pytest.fixture
def collector():
    """The collector as it was, put back after the test."""
    thresholds = gc.get_threshold()
    yield
    gc.unfreeze()
    gc.set_threshold(*thresholds)


def test_settling_freezes_what_is_loaded_and_collects_less_often(collector):
    loaded = len(gc.get_objects())

    settle_after_startup()

    assert gc.get_threshold() == GC_THRESHOLDS == (50_000, 20, 20)
    assert gc.get_freeze_count() >= loaded // 2  # what survived the collection before it
    assert gc.get_objects(generation=2) == []  # a full collection has nothing old to walk


def test_a_web_worker_settles_once_it_has_warmed_up(tmp_path):
    probe = "import gc, config.wsgi; print(gc.get_threshold(), gc.get_freeze_count() > 50_000)"
    env = {**os.environ, "PARCELOPS_DATA_DIR": str(tmp_path)}
    env.pop("DATABASE_URL", None)  # the worker needs no database to warm up
    done = subprocess.run(
        [sys.executable, "-c", probe],
        capture_output=True,
        text=True,
        env=env,
        cwd=Path(__file__).resolve().parents[3],
        check=True,
    )

    assert done.stdout == "(50000, 20, 20) True\n"
