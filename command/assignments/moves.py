"""The moves of a task (issue 6), in the shape of ``incidents.lifecycle.MOVES``: one table of small
frozen records; ``services.task_move`` applies one under the task's row lock.

sign 待签收→已签收; start 已签收→处理中; done 已签收/处理中→已完成; send back 待签收/已签收→退回 (with a
reason); close → 已关闭 (the command). Reassigning (→ 待签收, to another group or unit) is
``services.task_reassign``: it changes who does the task, not only its state.
"""

from dataclasses import dataclass

from django.utils.translation import gettext_lazy

from .models import Assignment

TaskState = Assignment.State


@dataclass(frozen=True)
class TaskMove:
    name: str
    label: str
    sources: tuple
    target: str
    who: str  # "doer" (the task's unit or group leaders) | "command" | "both"
    needs_reason: bool = False


MOVES = {
    m.name: m
    for m in (
        TaskMove("sign", gettext_lazy("签收"), (TaskState.PENDING,), TaskState.SIGNED, "doer"),
        TaskMove("start", gettext_lazy("开始处理"), (TaskState.SIGNED,), TaskState.IN_PROGRESS, "both"),
        TaskMove(
            "done",
            gettext_lazy("报告完成"),
            (TaskState.SIGNED, TaskState.IN_PROGRESS),
            TaskState.DONE,
            "both",
        ),
        TaskMove(
            "return",
            gettext_lazy("退回"),
            (TaskState.PENDING, TaskState.SIGNED),
            TaskState.RETURNED,
            "doer",
            needs_reason=True,
        ),
        TaskMove(
            "close",
            gettext_lazy("关闭"),
            (TaskState.PENDING, TaskState.SIGNED, TaskState.IN_PROGRESS, TaskState.RETURNED),
            TaskState.CLOSED,
            "command",
        ),
    )
}
