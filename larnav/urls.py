from django.contrib import admin
from django.urls import include, path
from django.views.i18n import set_language

from larnav.core import views as core_views

urlpatterns = [
    # First: the API is called far more often than any page, and nothing else lives under api/v1/.
    path("api/v1/", include("larnav.api.urls")),
    path("", include("larnav.core.urls")),
    path("healthz", core_views.healthz, name="healthz"),
    path("konto/api-nycklar/", include("larnav.api.ui_urls")),
    path("konto/", include("larnav.accounts.urls")),
    path("organisationer/", include("larnav.organisations.urls")),
    path("personer/", include("larnav.people.urls")),
    path("import/", include("larnav.imports.urls")),
    path("utbud/", include("larnav.catalog.urls")),
    path("anmalan/", include("larnav.registrations.urls")),
    path("narvaro/", include("larnav.attendance.urls")),
    path("enkater/", include("larnav.surveys.urls")),
    path("nyhetsbrev/", include("larnav.newsletters.urls")),
    path("utskick/", include("larnav.notifications.urls")),
    path("verksamhetsplan/", include("larnav.plans.urls")),
    path("rapporter/", include("larnav.reports.urls")),
    path("statistik/", include("larnav.statistics.urls")),
    path("behovsinventering/", include("larnav.needs.urls")),
    path("i18n/setlang/", set_language, name="set_language"),
    path("admin/", admin.site.urls),
]

handler403 = "larnav.core.errors.permission_denied"
handler404 = "larnav.core.errors.page_not_found"
handler500 = "larnav.core.errors.server_error"
