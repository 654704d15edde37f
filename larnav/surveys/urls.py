from django.urls import path

from . import views

app_name = "surveys"

urlpatterns = [
    path("", views.home, name="home"),
    path("mina/", views.mine, name="mine"),
    path("mallar/", views.template_list, name="templates"),
    path("mallar/ny/", views.template_create, name="template_create"),
    path("mallar/standard/", views.create_standard, name="create_standard"),
    path("mall/<int:template_pk>/", views.template_detail, name="template"),
    path("mall/<int:template_pk>/andra/", views.template_edit, name="template_edit"),
    path("mall/<int:template_pk>/ny-version/", views.version_new, name="version_new"),
    path("mall/<int:template_pk>/arkivera/", views.template_archive, name="template_archive"),
    path("mall/<int:template_pk>/ta-bort/", views.template_delete, name="template_delete"),
    path("mall/<int:template_pk>/resultat/", views.results, name="results"),
    path("mall/<int:template_pk>/resultat/svar.xlsx", views.export_responses, name="export_responses"),
    path("mall/<int:template_pk>/resultat/sammanstallning.xlsx", views.export_summary, name="export_summary"),
    path("mall/<int:template_pk>/jamfor/", views.compare, name="compare"),
    path("version/<int:version_pk>/forhandsgranska/", views.version_preview, name="preview"),
    path("version/<int:version_pk>/ta-i-bruk/", views.version_freeze, name="version_freeze"),
    path("version/<int:version_pk>/avsnitt/nytt/", views.section_create, name="section_create"),
    path("version/<int:version_pk>/fraga/ny/", views.question_create, name="question_create"),
    path("avsnitt/<int:section_pk>/andra/", views.section_edit, name="section_edit"),
    path("avsnitt/<int:section_pk>/ta-bort/", views.section_delete, name="section_delete"),
    path("avsnitt/<int:section_pk>/flytta/<str:direction>/", views.section_move, name="section_move"),
    path("fraga/<int:question_pk>/andra/", views.question_edit, name="question_edit"),
    path("fraga/<int:question_pk>/ta-bort/", views.question_delete, name="question_delete"),
    path("fraga/<int:question_pk>/flytta/<str:direction>/", views.question_move, name="question_move"),
    path("omgang/ny/", views.survey_create, name="survey_create"),
    path("omgang/<int:survey_pk>/", views.survey_detail, name="survey"),
    path("omgang/<int:survey_pk>/andra/", views.survey_edit, name="survey_edit"),
    path("omgang/<int:survey_pk>/skicka/", views.survey_send, name="survey_send"),
    path("omgang/<int:survey_pk>/paminn/", views.survey_remind, name="survey_remind"),
    path("omgang/<int:survey_pk>/stang/", views.survey_close, name="survey_close"),
    path("omgang/<int:survey_pk>/oppna-igen/", views.survey_reopen, name="survey_reopen"),
    path("omgang/<int:survey_pk>/ta-bort/", views.survey_delete, name="survey_delete"),
    path("aktivitet/<int:activity_pk>/utvardering/", views.activity_evaluation, name="activity_evaluation"),
    path("svara/<str:token>/", views.respond, name="respond"),
    path("lank/<str:token>/", views.respond_open, name="respond_open"),
]
