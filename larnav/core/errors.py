"""Error pages in the product's layout and language."""

from django.http import HttpResponseServerError
from django.shortcuts import render
from django.template.loader import render_to_string


def permission_denied(request, exception=None):
    return render(request, "core/error.html", {"status": 403}, status=403)


def page_not_found(request, exception=None):
    return render(request, "core/error.html", {"status": 404}, status=404)


def server_error(request):
    # No context processors: the database may be what failed.
    return HttpResponseServerError(render_to_string("core/error_500.html"))
