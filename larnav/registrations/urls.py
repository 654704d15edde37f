from django.urls import path

from . import views

app_name = "registrations"

urlpatterns = [
    path("mina-sidor/", views.mine, name="mine"),
    path("godkannanden/", views.approvals, name="approvals"),
    path("godkannanden/<int:pk>/<str:decision>/", views.decide, name="decide"),
    path("tillfalle/<int:session_pk>/", views.register, name="register"),
    path("tillfalle/<int:session_pk>/kollegor/", views.register_colleagues, name="colleagues"),
    path("tillfalle/<int:session_pk>/deltagare/", views.participants, name="participants"),
    path("tillfalle/<int:session_pk>/deltagare.<str:fmt>", views.participants_export, name="participants_export"),
    path("anmalan/<int:pk>/", views.detail, name="detail"),
    path("anmalan/<int:pk>/avboka/", views.coordinator_cancel, name="coordinator_cancel"),
    path("aktivitet/<int:activity_pk>/fragor/", views.questions, name="questions"),
    path("fraga/<int:pk>/ta-bort/", views.question_delete, name="question_delete"),
    path("bekrafta/<str:token>/", views.verify, name="verify"),
    path("min-anmalan/<str:token>/", views.manage, name="manage"),
]
