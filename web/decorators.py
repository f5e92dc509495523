from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied


def is_staff_member(user):
    """A logged-in user with a staff profile (``people.StaffProfile``, reached by its related name)."""
    return user.is_authenticated and hasattr(user, "staff_profile")


def staff_required(view):
    """Logged-in staff only; a citizen who follows a staff link is refused (403)."""

    @login_required
    def wrapped(request, *args, **kwargs):
        if not is_staff_member(request.user):
            raise PermissionDenied
        return view(request, *args, **kwargs)

    wrapped.__name__ = view.__name__
    wrapped.__doc__ = view.__doc__
    return wrapped
