from django.urls import path

from . import views

app_name = "organisations"

urlpatterns = [
    path("", views.organisation_list, name="list"),
    path("ny/", views.organisation_edit, name="create"),
    path("<int:pk>/", views.organisation_detail, name="detail"),
    path("<int:pk>/andra/", views.organisation_edit, name="edit"),
]
