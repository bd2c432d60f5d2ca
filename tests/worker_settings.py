"""Settings for worker processes started by the tests: the project's settings, with one
periodic job every two seconds instead of the real schedule."""

from comptoir.config.settings import *  # noqa: F403

COMPTOIR_PERIODIC_JOBS = [("test.tick", 2, "tests.core.jobs.periodic_tick")]
