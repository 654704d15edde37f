from django.urls import path

from . import views

app_name = "attendance"

urlpatterns = [
    # Trainers (their own sessions) and coordinators.
    path("", views.home, name="my_sessions"),
    path("tillfalle/<int:pk>/", views.session, name="session"),
    path("tillfalle/<int:pk>/avgor/", views.decide, name="decide"),
    path("traff/<int:pk>/", views.occasion, name="occasion"),
    path("traff/<int:pk>/namnlista.pdf", views.signature_list, name="signature_list"),
    path("traff/<int:pk>/incheckning/", views.check_in_code, name="check_in_code"),
    path("aktivitet/<int:pk>/regel/", views.completion_rule, name="completion_rule"),
    # Participants.
    path("checka-in/<str:token>/", views.check_in, name="check_in"),
    path("intyg/<str:token>/", views.certificate, name="certificate"),
    # Anyone: is this certificate genuine?
    path("intygskontroll/", views.verify_certificate, name="verify_certificate"),
]
