from django.urls import path

from . import views

app_name = "reports"

urlpatterns = [
    path("", views.report_index, name="index"),
    path("<int:pk>/", views.job_detail, name="job"),
    path("<int:pk>/status.json", views.job_status, name="status"),
    path("<int:pk>/rapport.pdf", views.download_pdf, name="pdf"),
    path("<int:pk>/rapport.xlsx", views.download_xlsx, name="xlsx"),
    path("<int:pk>/bygg-igen/", views.job_retry, name="retry"),
    path("<int:pk>/ta-bort/", views.job_delete, name="delete"),
]
