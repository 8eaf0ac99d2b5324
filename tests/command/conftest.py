"""The command tests' shared fixture (the suite's are in tests/fixtures.py); a module that needs another
incident at Ⅱ defines its own ``at_two``."""

import pytest


@pytest.fixture
def at_two(incident_in, django_capture_on_commit_callbacks, settings, tmp_path):
    """An incident responding at Ⅱ with its setup run (groups, tasks); uploads go to the test's folder."""
    settings.MEDIA_ROOT = str(tmp_path / "media")
    with django_capture_on_commit_callbacks(execute=True):
        return incident_in("responding", level=2)
