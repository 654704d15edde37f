"""Pages where signed-in users manage their own API tokens."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.cache import add_never_cache_headers
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from . import services
from .forms import TokenForm
from .models import ApiToken


@login_required
def token_list(request):
    tokens = ApiToken.objects.filter(user=request.user).order_by("revoked_at", "-created_at", "-pk")
    return render(request, "api/token_list.html", {
        "tokens": tokens,
        "openapi_url": request.build_absolute_uri(reverse("api_v1:openapi-json")),
    })


@login_required
@require_http_methods(["GET", "POST"])
def token_create(request):
    form = TokenForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        token, secret = services.create_token(request.user, form.cleaned_data["name"])
        # The secret is in this response only: never stored, never in a redirect or a message.
        response = render(request, "api/token_created.html", {"token": token, "secret": secret})
        add_never_cache_headers(response)
        return response
    return render(request, "api/token_form.html", {"form": form})


@login_required
@require_http_methods(["GET", "POST"])
def token_revoke(request, pk):
    token = get_object_or_404(ApiToken, pk=pk, user=request.user, revoked_at__isnull=True)
    if request.method == "POST":
        services.revoke_token(token)
        messages.success(request, _("The token “%(name)s” is revoked.") % {"name": token.name})
        return redirect("api_tokens:list")
    return render(request, "api/token_revoke.html", {"token": token})
