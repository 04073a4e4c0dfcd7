"""Builds driven from the test process: the build's pool of worker processes replaced by
:class:`InProcess`, for tests of what the build does rather than of its pool.

Under pytest-xdist (whose workers run a thread) the build spawns its worker processes, and each
imports papermill and nbformat afresh: more than a CPU-second and a half per worker, often more than
the notebooks of a test cost. The real pool runs in test_pipeline.py's later-clock test (two forked
workers and two notebooks at once, from the command line, as `make` runs it), and the way its workers
start in test_pipeline.py's test of ``_worker_context``.
"""

from __future__ import annotations

import os
from concurrent.futures import Future

import pytest

from compendium.build import pipeline


class InProcess:
    """Stands in for :class:`concurrent.futures.ProcessPoolExecutor`: runs each notebook's driver
    (papermill; the kernel is still a process of its own) at once in this process, and puts back the
    environment variables the driver sets for its notebook."""

    def __init__(self, max_workers, mp_context=None):
        pass

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False

    def submit(self, fn, *args):
        future, saved = Future(), dict(os.environ)
        try:
            future.set_result(fn(*args))
        except BaseException as err:  # noqa: BLE001 -- handed to the build through the future
            future.set_exception(err)
        finally:
            os.environ.clear()
            os.environ.update(saved)
        return future


def build_in_process(root, **kw):
    """:func:`compendium.build.pipeline.build`, one notebook at a time, driven from this process."""
    kw.setdefault("jobs", 1)
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(pipeline, "ProcessPoolExecutor", InProcess)
        return pipeline.build(root, **kw)
