from django.utils.functional import SimpleLazyObject


def notifications(request):
    """The unread in-app notifications of the logged-in person, for the navigation badge. Lazy: one
    query, and only on pages that show the navigation."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}

    def count():
        from .selectors import unread_count

        return unread_count(user)

    return {"unread_notifications": SimpleLazyObject(count)}
