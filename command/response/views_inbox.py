"""待我处理 (the inbox): the requests waiting for my decision, phone records to confirm, my call-downs and
the other open requests. It gathers from approvals and from the response, so it lives above both."""

from django.contrib.auth.decorators import login_required

from config.htmx import asked_part, render_page

from ..approvals import selectors
from ..approvals.presenters import request_card
from ..web import sig
from .selectors import my_calldowns


@login_required
def inbox(request):
    user = request.user
    cache = {}
    pending = [request_card(r, user, cache) for r in selectors.pending_for(user)]
    context = {
        "pending": pending,
        "phone_to_confirm": selectors.phone_decisions_to_confirm(user),
        "my_calldowns": my_calldowns(user),
        "open_requests": [
            request_card(r, user)
            for r in selectors.open_requests()
            if r.pk not in {p["r"].pk for p in pending}
        ],
    }
    context["pending_sig"] = sig((c["r"].pk, c["r"].stage, c["r"].status) for c in pending)
    pending_only = asked_part(request) == "pending"
    return render_page(
        request,
        "command/response/inbox.html",
        context,
        partial="pending" if pending_only else None,
        signature=context["pending_sig"],
    )
