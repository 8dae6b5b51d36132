"""Settings for the benchmark's server: the tracker's, plus the baseline views when
``BENCH_BASELINE_VIEWS=1``. Production never loads this module, so the views are never mounted
there."""

from tracker.settings import *  # noqa: F403
from tracker.settings import env

if env.bool("BENCH_BASELINE_VIEWS", default=False):
    ROOT_URLCONF = "bench.urls"

if env.bool("BENCH_PLAIN_MANIFEST", default=False):
    # The load test's server: hashed static files as production serves them, without the
    # compressed copies (making them took over 3 minutes on this machine; WhiteNoise serves the
    # plain files the same way).
    STORAGES = {
        **STORAGES,  # noqa: F405
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.ManifestStaticFilesStorage"},
    }
