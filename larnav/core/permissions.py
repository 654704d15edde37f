"""View decorators on top of the permission layer (larnav.accounts.permissions)."""

from functools import wraps

from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied

from larnav.accounts.permissions import can


def require(*actions):
    """Let the view run if the user may do any of ``actions`` somewhere.

    Anonymous users are sent to sign in; signed-in users without the right get
    403. Object-level checks (for *this* organisation) stay in the view, via
    ``can(user, action, organisation)`` or a scoped queryset.
    """

    def decorator(view):
        @wraps(view)
        def wrapped(request, *args, **kwargs):
            if not request.user.is_authenticated:
                return redirect_to_login(request.get_full_path())
            if not any(can(request.user, action) for action in actions):
                raise PermissionDenied
            return view(request, *args, **kwargs)

        return wrapped

    return decorator
