"""The command app's models live in its feature packages; Django finds them, under the app label
"command", through this module."""

from .approvals.models import LevelRequest, LevelRequestStep
from .assignments.models import ActivatedGroup, Assignment, GroupUnit, TaskFile, TaskNote, task_file_path
from .notifications.models import Notification
from .reminders.models import Delivery, Heartbeat, Reminder, ReminderPolicy
from .response.models import (
    CallDown,
    ChecklistItem,
    Instruction,
    LevelSetup,
    OnsiteHQ,
    OnsiteMember,
)

__all__ = [
    "ActivatedGroup",
    "Assignment",
    "CallDown",
    "ChecklistItem",
    "Delivery",
    "GroupUnit",
    "Heartbeat",
    "Instruction",
    "LevelRequest",
    "LevelRequestStep",
    "LevelSetup",
    "Notification",
    "OnsiteHQ",
    "OnsiteMember",
    "Reminder",
    "ReminderPolicy",
    "TaskFile",
    "TaskNote",
    "task_file_path",  # the upload path migration 0003 names as command.models.task_file_path
]
