from django.urls import path

from . import views

app_name = "needs"

urlpatterns = [
    path("", views.index, name="index"),
    # Coordinators.
    path("ny/", views.campaign_edit, name="campaign_create"),
    path("<int:campaign_pk>/", views.campaign_detail, name="campaign"),
    path("<int:campaign_pk>/andra/", views.campaign_edit, name="campaign_edit"),
    path("<int:campaign_pk>/status/", views.campaign_status, name="campaign_status"),
    path("<int:campaign_pk>/paminn/", views.campaign_remind, name="campaign_remind"),
    # The aggregated view (coordinators and the steering group).
    path("<int:campaign_pk>/sammanstallning/", views.summary, name="summary"),
    path("<int:campaign_pk>/behov/", views.need_list, name="need_list"),
    path("<int:campaign_pk>/export.<str:fmt>", views.export, name="export"),
    # One municipality's or district's answers.
    path("svar/<int:submission_pk>/", views.submission_detail, name="submission"),
    path("svar/<int:submission_pk>/nytt-behov/", views.item_edit, name="item_create"),
    path("svar/<int:submission_pk>/skicka-in/", views.submission_submit, name="submit"),
    path("svar/<int:submission_pk>/oppna-igen/", views.submission_reopen, name="reopen"),
    path("svar/<int:submission_pk>/kommentar/", views.submission_comment, name="comment"),
    path("svar/<int:submission_pk>/kollegor/", views.contributor_invite, name="invite"),
    path("kollega/<int:contributor_pk>/ta-bort/", views.contributor_remove, name="contributor_remove"),
    path("behov/<int:item_pk>/andra/", views.item_edit, name="item_edit"),
    path("behov/<int:item_pk>/ta-bort/", views.item_delete, name="item_delete"),
    path("behov/<int:item_pk>/utbud/", views.need_links, name="need_links"),
]
