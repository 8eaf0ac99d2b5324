from django.utils.functional import SimpleLazyObject

from orgchart.permissions import can


def office(request):
    """``may_api``: the office's link to the tokens and webhooks page. Lazy, and the authority is cached
    on the user for the request: no query of its own on a page that shows the navigation."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    return {"may_api": SimpleLazyObject(lambda: bool(can(user, "api.manage")))}
