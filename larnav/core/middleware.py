"""Request-wide context: the consortium being served and the user's language."""

from django.utils import translation
from django.utils.functional import SimpleLazyObject

from larnav.organisations.models import Consortium


class ConsortiumMiddleware:
    """Sets ``request.consortium``.

    A signed-in user belongs to one consortium. Anonymous visitors get the
    consortium whose domain matches the host, or the only/first one.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        # Lazy: health checks and static files never touch the database for it.
        request.consortium = SimpleLazyObject(lambda: _resolve(request))
        return self.get_response(request)


def _resolve(request):
    user = getattr(request, "user", None)
    if user is not None and user.is_authenticated and user.consortium_id:
        return user.consortium
    host = request.get_host().split(":")[0] if request.META.get("HTTP_HOST") else ""
    if host:
        by_domain = Consortium.objects.filter(domain=host).first()
        if by_domain:
            return by_domain
    return Consortium.objects.order_by("pk").first()


def activate_user_language(response, user):
    """After sign-in, remember the user's preferred language in the language cookie."""
    from django.conf import settings

    if user.language:
        translation.activate(user.language)
        response.set_cookie(settings.LANGUAGE_COOKIE_NAME, user.language, samesite="Lax",
                            secure=getattr(settings, "SESSION_COOKIE_SECURE", False))
    return response


class LanguageMiddleware:
    """Swedish unless the visitor chose otherwise.

    Unlike Django's LocaleMiddleware this ignores the browser's Accept-Language:
    the product is Swedish first, and a Swedish care worker on an English
    operating system should still meet Swedish. The language switch (cookie)
    and the user's saved preference decide.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        from django.conf import settings

        language = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME)
        if not translation.check_for_language(language or "") or language not in dict(settings.LANGUAGES):
            language = settings.LANGUAGE_CODE
        translation.activate(language)
        request.LANGUAGE_CODE = language
        response = self.get_response(request)
        response.headers.setdefault("Content-Language", language)
        return response
