from django.urls import path

from . import views

app_name = "people"

urlpatterns = [
    path("", views.person_list, name="list"),
    path("export.<str:fmt>", views.person_export, name="export"),
    path("ny/", views.person_edit, name="create"),
    path("<int:pk>/", views.person_detail, name="detail"),
    path("<int:pk>/andra/", views.person_edit, name="edit"),
    path("<int:pk>/status/", views.person_set_active, name="set_active"),
]
