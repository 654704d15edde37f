"""Pages for managing one's own API tokens; the root URLconf mounts them at konto/api-nycklar/."""

from django.urls import path

from . import views

app_name = "api_tokens"

urlpatterns = [
    path("", views.token_list, name="list"),
    path("ny/", views.token_create, name="create"),
    path("<int:pk>/aterkalla/", views.token_revoke, name="revoke"),
]
