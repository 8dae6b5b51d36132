"""Settings for the benchmark's server: the tracker's, plus the baseline views when
``BENCH_BASELINE_VIEWS=1``. Production never loads this module, so the views are never mounted
there."""

from tracker.settings import *  # noqa: F403
from tracker.settings import env

if env.bool("BENCH_BASELINE_VIEWS", default=False):
    ROOT_URLCONF = "bench.urls"
