"""The moves of a level-change request (DOMAIN.md §5), in the shape of ``incidents.lifecycle.MOVES``: one
table of small frozen records, and one place that applies a move to the request's locked row.

An open request goes forward a step (the chain in ``approvals.chain``), or closes: approved (the decision,
then the incident's own move), sent back, withdrawn, or lapsed because the incident moved since it was made
(superseded). A closed request moves no more; who tries is told who closed it (``AlreadyDecided``).
"""

from dataclasses import dataclass

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from ..common import AlreadyDecided, CommandError
from .models import LevelRequest

Status = LevelRequest.Status


@dataclass(frozen=True)
class RequestMove:
    name: str
    sources: tuple
    target: str  # OPEN: the request stays open (a step forward)
    closes: bool = True  # sets closed_at and the outcome note


MOVES = {
    m.name: m
    for m in (
        RequestMove("forward", (Status.OPEN,), Status.OPEN, closes=False),
        RequestMove("approve", (Status.OPEN,), Status.APPROVED),
        RequestMove("reject", (Status.OPEN,), Status.REJECTED),
        RequestMove("withdraw", (Status.OPEN,), Status.WITHDRAWN),
        RequestMove("supersede", (Status.OPEN,), Status.SUPERSEDED),
    )
}

DECIDED = {
    Status.APPROVED: (
        gettext_lazy("这件请示已由%(who)s批准，无需再办理。"),
        gettext_lazy("这件请示已批准，无需再办理。"),
    ),
    Status.REJECTED: (
        gettext_lazy("这件请示已由%(who)s退回，无需再办理。"),
        gettext_lazy("这件请示已退回，无需再办理。"),
    ),
    Status.WITHDRAWN: (
        gettext_lazy("这件请示已由%(who)s撤回，无需再办理。"),
        gettext_lazy("这件请示已撤回，无需再办理。"),
    ),
}


def decided_message(request):
    """ "这件请示已由XX批准，无需再办理。" — who decided it, from the request's last step."""
    by_whom, plain = DECIDED.get(request.status, (None, gettext_lazy("这件请示已失效，无需再办理。")))
    last = request.history.order_by("-at", "-id").first() if by_whom else None
    return str(by_whom) % {"who": last.actor_name} if last and last.actor_name else str(plain)


def lock_open_request(request_id, expected_stage=None):
    """The request's row, locked, still open and at the step the page showed (``expected_stage``)."""
    try:
        request = LevelRequest.objects.select_for_update().get(pk=request_id)
    except LevelRequest.DoesNotExist:
        raise CommandError(_("没有这件请示。")) from None
    check_open(request, expected_stage)
    return request


def check_open(request, expected_stage=None):
    if request.status != Status.OPEN:
        raise AlreadyDecided(decided_message(request))
    if expected_stage is not None and int(expected_stage) != request.stage:
        raise CommandError(_("操作未执行：这件请示已进入下一环节（可能有他人刚刚办理），请刷新后再试。"))


def apply_move(request, name, *, now, note=""):
    """Apply the move ``name`` to a locked request (``lock_open_request``, or a locked query of the open
    ones): check its source, set its target, save only what changed. Its history step, timeline row and
    notices are the caller's (they differ by move)."""
    spec = MOVES[name]
    if request.status not in spec.sources:
        raise AlreadyDecided(decided_message(request))
    if not spec.closes:
        request.stage += 1
        request.save(update_fields=["stage"])
        return request
    request.status, request.closed_at, request.outcome_note = spec.target, now, note
    request.save(update_fields=["status", "closed_at", "outcome_note"])
    return request
