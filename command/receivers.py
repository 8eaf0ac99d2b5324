"""What the command app does when an incident moves (``incidents.signals.incident_moved``), wherever
the move came from (an approved request, the incident page, the admin, a shell): one place dispatches
the side effects of each status change."""

import logging

from django.conf import settings
from django.db import transaction
from django.dispatch import receiver

from incidents.signals import incident_moved

from .approvals.services import supersede_open_requests
from .assignments.ending import carry_open_tasks
from .response import activation
from .tasks import response_setup_task

log = logging.getLogger(__name__)


@receiver(incident_moved, dispatch_uid="command.on_incident_moved")
def on_incident_moved(sender, incident, move, actor, from_state, from_level, event, context, **kwargs):
    # A request made before this move would act on old facts: it lapses (same transaction).
    supersede_open_requests(incident, except_id=context.get("level_request"), actor=actor, now=event.at)
    # A response ended by any other path than the end form: every open task is carried into the
    # aftermath, so nothing is lost (§5.3.6, §7).
    if move == "end_response" and not context.get("tasks_settled"):
        carry_open_tasks(incident, actor, event.at)
    # Activating, or raising the level, sets up what the new level needs — after commit.
    if move == "activate" or (move == "change_level" and incident.level < (from_level or 5)):
        after_commit_setup(incident.pk)


def after_commit_setup(incident_id):
    """Run ``response_setup`` once the transition has committed; should it fail (a database hiccup),
    a Celery task retries it — the setup is idempotent, so a retry can only add what is missing.
    (Here, not in ``response.activation``: the activation need not know the Celery task.)"""

    def run():
        try:
            activation.response_setup(incident_id)
        except Exception:
            log.exception("response setup for incident %s failed; retrying in Celery", incident_id)
            response_setup_task.apply_async(
                args=[incident_id], countdown=settings.COMMAND_SETUP_RETRY_SECONDS
            )

    transaction.on_commit(run)
