from django.contrib import admin

from .models import Consortium, Membership, Organisation
from .services import save_organisation


@admin.register(Consortium)
class ConsortiumAdmin(admin.ModelAdmin):
    list_display = ["name", "slug", "domain"]
    prepopulated_fields = {"slug": ["name"]}


@admin.register(Organisation)
class OrganisationAdmin(admin.ModelAdmin):
    list_display = ["name", "type", "municipality", "scb_code", "driftform", "funktion", "is_active"]
    list_filter = ["type", "driftform", "funktion", "is_active", "consortium"]
    search_fields = ["name", "scb_code", "external_id", "provider_name"]
    raw_id_fields = ["parent"]
    readonly_fields = ["municipality", "path"]

    def save_model(self, request, obj, form, change):
        save_organisation(obj)


@admin.register(Membership)
class MembershipAdmin(admin.ModelAdmin):
    list_display = ["organisation", "consortium", "valid_from", "valid_to", "funding_share"]
    list_filter = ["consortium"]
    raw_id_fields = ["organisation"]
