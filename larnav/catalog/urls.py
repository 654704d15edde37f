from django.urls import path

from . import views

app_name = "catalog"

urlpatterns = [
    # Public catalog (no sign-in needed).
    path("", views.catalog_list, name="list"),
    path("kalender.ics", views.catalog_feed, name="feed"),
    path("<int:pk>/", views.activity_detail, name="activity"),
    path("<int:pk>/intresse/", views.interest_register, name="interest"),
    path("tillfalle/<int:pk>/", views.session_detail, name="session"),
    path("tillfalle/<int:pk>/kalender.ics", views.session_ics, name="session_ics"),
    # Personal calendar feed: the secret address, and the page that makes or revokes it.
    path("kalender/", views.calendar_settings, name="calendar"),
    path("kalender/<str:token>.ics", views.personal_feed, name="personal_feed"),
    # Trainers.
    path("mina-tillfallen/", views.my_sessions, name="my_sessions"),
    # Coordinators (and CKA for local sessions).
    path("hantera/", views.manage, name="manage"),
    path("hantera/ny/", views.activity_edit, name="activity_create"),
    path("<int:pk>/andra/", views.activity_edit, name="activity_edit"),
    path("<int:pk>/status/", views.activity_status, name="activity_status"),
    path("<int:pk>/ta-bort/", views.activity_delete, name="activity_delete"),
    path("<int:pk>/intresselista/", views.interest_list, name="interest_list"),
    path("<int:pk>/nytt-tillfalle/", views.session_create, name="session_create"),
    path("<int:pk>/serie/", views.series_create, name="series_create"),
    path("tillfalle/<int:pk>/andra/", views.session_edit, name="session_edit"),
    path("tillfalle/<int:pk>/kopiera/", views.session_copy, name="session_copy"),
    path("tillfalle/<int:pk>/stall-in/", views.session_cancel, name="session_cancel"),
    path("tillfalle/<int:pk>/ta-bort/", views.session_delete, name="session_delete"),
    path("fokusomraden/", views.focus_area_list, name="focus_areas"),
    path("fokusomraden/ny/", views.focus_area_edit, name="focus_area_create"),
    path("fokusomraden/<int:pk>/", views.focus_area_edit, name="focus_area_edit"),
]
