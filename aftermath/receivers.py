"""When an incident enters aftermath (§7), by whatever path, the §7.1 items are issued (once)."""

from django.dispatch import receiver

from incidents.signals import incident_moved

from .services import create_items


@receiver(incident_moved, dispatch_uid="aftermath.on_incident_moved")
def on_incident_moved(sender, incident, move, actor, event, **kwargs):
    if move == "begin_aftermath":
        create_items(incident, actor, event.at)
