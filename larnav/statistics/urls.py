from django.urls import path

from . import views

app_name = "statistics"

urlpatterns = [
    path("", views.dashboard_view, name="dashboard"),
    path("export.<str:fmt>", views.dashboard_export, name="export"),
]
