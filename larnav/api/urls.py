"""URLs of the JSON API (mounted at /api/v1/ by the root URLconf).

Every view answers in the API's language and error format (see errors.py);
an unknown path below /api/v1/ is a JSON 404, not the HTML error page.
"""

from django.http import JsonResponse
from django.urls import URLPattern, URLResolver, include, path, reverse

from .api import api
from .errors import not_found, with_language


def _wrapped(patterns):
    result = []
    for entry in patterns:
        if isinstance(entry, URLResolver):  # pragma: no cover - ninja yields flat patterns
            raise TypeError("unexpected nested URL resolver in the API's URLs")
        assert isinstance(entry, URLPattern)
        result.append(URLPattern(entry.pattern, with_language(entry.callback), entry.default_args, entry.name))
    return result


def index(request):
    """Where to start: the OpenAPI document."""
    return JsonResponse({
        "name": api.title,
        "version": api.version,
        "openapi": request.build_absolute_uri(reverse(f"{api.urls_namespace}:openapi-json")),
    }, json_dumps_params={"ensure_ascii": False})


_patterns, _app_name, _namespace = api.urls

urlpatterns = [
    path("", with_language(index), name="api_index"),
    path("", include((_wrapped(_patterns), _app_name), namespace=_namespace)),
    path("<path:unknown>", with_language(not_found), name="api_not_found"),
]
