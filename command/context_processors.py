from django.utils.functional import SimpleLazyObject

from orgchart.permissions import can

from .notifications.selectors import unread_count


def notifications(request):
    """The unread in-app notifications of the logged-in person, for the navigation badge. Lazy: one
    query, and only on pages that show the navigation."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}

    def count():
        return unread_count(user)

    def aftermath():
        return bool(can(user, "aftermath.manage"))

    # Lazy too: the authority is cached on the user for the request (orgchart.permissions.authority_for).
    return {"unread_notifications": SimpleLazyObject(count), "may_aftermath": SimpleLazyObject(aftermath)}
