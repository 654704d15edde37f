from django.urls import path

from . import views

app_name = "newsletters"

urlpatterns = [
    path("", views.newsletter_list, name="list"),
    path("ny/", views.newsletter_edit, name="create"),
    path("<int:pk>/", views.newsletter_detail, name="detail"),
    path("<int:pk>/andra/", views.newsletter_edit, name="edit"),
    path("<int:pk>/forhandsvisning/", views.newsletter_preview, name="preview"),
    path("<int:pk>/provutskick/", views.newsletter_test, name="test"),
    path("<int:pk>/skicka/", views.newsletter_schedule, name="schedule"),
    path("<int:pk>/ta-tillbaka/", views.newsletter_unschedule, name="unschedule"),
    path("<int:pk>/stoppa/", views.newsletter_stop, name="stop"),
    path("<int:pk>/ta-bort/", views.newsletter_delete, name="delete"),
    path("<int:pk>/kopiera/", views.newsletter_copy, name="copy"),
    path("<int:pk>/logg/", views.newsletter_log, name="log"),
    path("<int:pk>/logg.<str:fmt>", views.newsletter_log_export, name="log_export"),
    path("prenumeranter/", views.subscriber_list, name="subscribers"),
    path("prenumeranter.<str:fmt>", views.subscriber_export, name="subscriber_export"),
    path("sparrade/", views.blocked_list, name="blocked"),
    path("sparrade/<int:pk>/ta-bort/", views.blocked_remove, name="blocked_remove"),
    # Public pages: no sign-in; the token in the link is the only key.
    path("prenumerera/", views.subscribe, name="subscribe"),
    path("prenumerera/bekrafta/<str:token>/", views.confirm, name="confirm"),
    path("prenumeration/<str:token>/", views.subscription, name="subscription"),
    path("prenumeration/<str:token>/avsluta/", views.subscription_unsubscribe, name="subscription_unsubscribe"),
    path("u/<str:token>/", views.unsubscribe, name="unsubscribe"),
]
