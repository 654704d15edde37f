from django.urls import path

from . import views

app_name = "plans"

urlpatterns = [
    path("", views.plan_list, name="list"),
    path("ny/", views.plan_edit, name="create"),
    path("<int:pk>/", views.plan_detail, name="detail"),
    path("<int:pk>/andra/", views.plan_edit, name="edit"),
    path("<int:pk>/kopiera/", views.plan_copy, name="copy"),
    path("<int:pk>/ta-bort/", views.plan_delete, name="delete"),
    path("<int:plan_pk>/mal/nytt/", views.goal_edit, name="goal_create"),
    path("mal/<int:pk>/", views.goal_edit, name="goal_edit"),
    path("mal/<int:pk>/ta-bort/", views.goal_delete, name="goal_delete"),
    path("mal/<int:goal_pk>/indikator/ny/", views.indicator_edit, name="indicator_create"),
    path("indikator/<int:pk>/", views.indicator_detail, name="indicator"),
    path("indikator/<int:pk>/andra/", views.indicator_edit, name="indicator_edit"),
    path("indikator/<int:pk>/ta-bort/", views.indicator_delete, name="indicator_delete"),
    path("varde/<int:pk>/ta-bort/", views.value_delete, name="value_delete"),
]
