"""What the command app does when an incident moves (``incidents.signals.incident_moved``), wherever
the move came from (an approved request, the incident page, the admin, a shell): one place dispatches
the side effects of each status change."""

from django.dispatch import receiver

from incidents.signals import incident_moved


@receiver(incident_moved, dispatch_uid="command.on_incident_moved")
def on_incident_moved(sender, incident, move, actor, from_state, from_level, event, context, **kwargs):
    from .activation import after_commit_setup
    from .services import supersede_open_requests

    # A request made before this move would act on old facts: it lapses (same transaction).
    supersede_open_requests(incident, except_id=context.get("level_request"), actor=actor, now=event.at)
    # A response ended by any other path than the end form: every open task is carried into the
    # aftermath, so nothing is lost (§5.3.6, §7).
    if move == "end_response" and not context.get("tasks_settled"):
        from .tasking import carry_open_tasks

        carry_open_tasks(incident, actor, event.at)
    # Activating, or raising the level, sets up what the new level needs — after commit.
    if move == "activate" or (move == "change_level" and incident.level < (from_level or 5)):
        after_commit_setup(incident.pk)
