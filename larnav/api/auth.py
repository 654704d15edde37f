"""Bearer-token authentication for the API.

``Authorization: Bearer <token>``. A token stands for its user: every
endpoint scopes its data with the permission layer for that user. A wrong,
revoked or malformed token, or one whose user is inactive, is always a 401,
also on endpoints that anonymous clients may call: a client that sends a
token must learn that it does not work instead of silently seeing less.

Session cookies are not API credentials: a signed-in browser is anonymous to
the API (and so needs no CSRF protection).
"""

from django.contrib.auth.models import AnonymousUser
from ninja.security import HttpBearer

from .errors import InvalidToken
from .services import user_for_token


class ApiToken(HttpBearer):
    """The security scheme in the OpenAPI document is named after this class."""

    def __init__(self, required: bool = True):
        self.required = required
        super().__init__()

    def __call__(self, request):
        header = request.headers.get(self.header)
        if not header:
            # Ninja answers 401 when every auth callback returns a falsy value.
            return None if self.required else AnonymousUser()
        scheme, _space, raw = header.partition(" ")
        if scheme.lower() != "bearer":
            raise InvalidToken()
        return self.authenticate(request, raw.strip())

    def authenticate(self, request, token):
        user = user_for_token(token)
        if user is None:
            raise InvalidToken()
        return user


token_required = ApiToken(required=True)
token_optional = ApiToken(required=False)

# In the OpenAPI document: an optional token is "this scheme, or nothing".
OPTIONAL_SECURITY = {"security": [{}]}


def caller(request):
    """The token's user, or AnonymousUser."""
    return getattr(request, "auth", None) or AnonymousUser()


def consortium_id_for(request):
    """The consortium whose data a request may see: the token user's, else the one served."""
    user = caller(request)
    if user.is_authenticated and user.consortium_id:
        return user.consortium_id
    consortium = request.consortium
    return consortium.pk if consortium else None
