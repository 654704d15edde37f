"""The product's URLs plus a hello-world view: the floor that bench/catalog_bench.py compares against.

The view goes through the same middleware as every product page; it only skips the work of a page.
"""

from django.http import HttpResponse
from django.urls import include, path


def hello(request):
    return HttpResponse("Hello, world", content_type="text/plain; charset=utf-8")


urlpatterns = [
    path("bench/hello", hello),
    path("", include("larnav.urls")),
]

handler403 = "larnav.core.errors.permission_denied"
handler404 = "larnav.core.errors.page_not_found"
handler500 = "larnav.core.errors.server_error"
