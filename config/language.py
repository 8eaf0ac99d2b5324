"""The language the record is kept in: the plan's (settings.LANGUAGE_CODE, Chinese), whatever the
actor's UI language. Timeline summaries, change-log diffs, notifications and reminders are written inside
``recorded()``. Here, in config, because every app uses it, the org chart (the lowest layer) included;
it imports no app."""

from django.conf import settings
from django.utils import translation


def recorded():
    """A context manager: text translated inside it is in the plan's language."""
    return translation.override(settings.LANGUAGE_CODE)
