from orgchart.permissions import can


def office(request):
    """``may_api``: the office's link to the tokens and webhooks page (cached authority: no extra query
    once the page has asked anything of the permission layer)."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    return {"may_api": bool(can(user, "api.manage"))}
