from django.urls import path

from . import views

app_name = "imports"

urlpatterns = [
    path("", views.start, name="start"),
    path("historik/", views.history, name="history"),
    path("mall/<str:kind>.<str:fmt>", views.download_template, name="template"),
    path("<int:batch_id>/", views.batch_detail, name="batch"),
    path("<int:batch_id>/importera/", views.batch_apply, name="apply"),
    path("<int:batch_id>/kasta/", views.batch_discard, name="discard"),
]
