"""The project's URLs plus the token pages at konto/api-nycklar/, whether or not the root includes them yet."""

from django.urls import URLResolver, include, path

from larnav.urls import handler403, handler404, handler500  # noqa: F401
from larnav.urls import urlpatterns as root_patterns


def _has_namespace(patterns, namespace):
    return any(isinstance(p, URLResolver) and p.namespace == namespace for p in patterns)


urlpatterns = list(root_patterns)
if not _has_namespace(urlpatterns, "api_tokens"):
    urlpatterns.insert(0, path("konto/api-nycklar/", include("larnav.api.ui_urls")))
