"""The one call of ``manage.py generate_winter``: check the options, draft the winter, write it, say
what was written (or, with ``--delete``, remove it where the database allows)."""

import random
import time
from datetime import timedelta

from django.core.management.base import CommandError
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from incidents.recording import recorded

from .context import load_context
from .removal import delete_generated
from .report import report
from .winter import Winter


def generate(options, write):
    """Run the generator with the command's ``options``; ``write`` takes each line of output."""
    started = time.monotonic()
    with recorded():  # the record is kept in the plan's language
        if options["delete"]:
            return delete_generated(write, options["verbosity"], started)
        check_counts(options)
        now = end_of_winter(options["now"])
        winter = Winter(load_context(), random.Random(options["seed"]), now, options)
        winter.plan()
        counts = winter.write()
    if options["verbosity"]:
        report(write, counts, time.monotonic() - started)


def check_counts(options):
    for name in ("past", "active", "tasks", "events"):
        if options[name] < 0:
            raise CommandError(f"--{name} 不能为负数。 / --{name} must not be negative.")
    if not 0 <= options["drills"] <= 1:
        raise CommandError("--drills 须在 0 到 1 之间。 / --drills must be between 0 and 1.")


def end_of_winter(value):
    """The time the winter ends at: ``--now`` (ISO 8601, not in the future) or now."""
    now = timezone.now()
    if not value:
        return now
    parsed = parse_datetime(value)
    if parsed is None:
        raise CommandError("--now 不是有效的时间（ISO 8601）。 / --now is not an ISO 8601 time.")
    chosen = parsed if timezone.is_aware(parsed) else timezone.make_aware(parsed)
    if chosen > timezone.now() + timedelta(minutes=5):
        raise CommandError("--now 不能晚于现在。 / --now must not be in the future.")
    return chosen
