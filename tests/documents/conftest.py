"""The document tests' own fixture: stored documents go to the test's own folder. The shared fixtures are
in tests/fixtures.py, the document helpers (a full incident, readers for PDF and DOCX) in
tests/support/documents.py."""

import pytest


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    """Stored documents (issue 15) go to a folder of the test's own, not var/media."""
    settings.MEDIA_ROOT = str(tmp_path / "media")
    return tmp_path / "media"
