from django.urls import path

from . import views

app_name = "notifications"

urlpatterns = [
    path("", views.outbox, name="outbox"),
    path("meddelande/<int:pk>/", views.message_detail, name="message"),
    path("meddelande/<int:pk>/skicka-igen/", views.retry_message, name="retry_message"),
    path("misslyckade/", views.failed, name="failed"),
    path("misslyckade/jobb/<int:pk>/kor-igen/", views.retry_job, name="retry_job"),
    path("mallar/", views.templates, name="templates"),
    path("mallar/<str:message_kind>/<str:language>/", views.template_edit, name="template_edit"),
    path("mallar/<str:message_kind>/<str:language>/aterstall/", views.template_reset, name="template_reset"),
]
