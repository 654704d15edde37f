from django.contrib import admin

from .models import Campaign, Submission


@admin.register(Campaign)
class CampaignAdmin(admin.ModelAdmin):
    """Read-only: campaigns are opened, changed and closed in the needs inventory pages."""

    list_display = ["title", "year", "opens", "deadline", "status", "consortium"]
    list_filter = ["status", "year", "consortium"]
    search_fields = ["title"]

    def has_change_permission(self, request, obj=None):
        return False

    def has_add_permission(self, request):
        return False


@admin.register(Submission)
class SubmissionAdmin(admin.ModelAdmin):
    """Read-only: every change of an answer goes through the needs service."""

    list_display = ["organisation", "campaign", "status", "submitted_at"]
    list_filter = ["status", "campaign"]
    search_fields = ["organisation__name"]

    def has_change_permission(self, request, obj=None):
        return False

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
