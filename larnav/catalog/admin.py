"""Django admin for the catalog: for looking things up. Changes belong in the catalog's own pages,
which go through the services (the admin does not keep search text, counters or SEQUENCE)."""

from django.contrib import admin

from .models import Activity, FocusArea, InterestRegistration, Occasion, Session, SessionQuota


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(FocusArea)
class FocusAreaAdmin(ReadOnlyAdmin):
    list_display = ["name", "consortium", "is_active", "sort_order"]
    list_filter = ["consortium", "is_active"]


@admin.register(Activity)
class ActivityAdmin(ReadOnlyAdmin):
    list_display = ["title", "type", "level", "status", "consortium"]
    list_filter = ["consortium", "status", "type", "level"]
    search_fields = ["title"]


class OccasionInline(admin.TabularInline):
    model = Occasion
    extra = 0
    can_delete = False


class QuotaInline(admin.TabularInline):
    model = SessionQuota
    extra = 0
    can_delete = False


@admin.register(Session)
class SessionAdmin(ReadOnlyAdmin):
    list_display = ["__str__", "status", "capacity", "confirmed_count", "waitlist_count", "owner_municipality"]
    list_filter = ["consortium", "status"]
    list_select_related = ["activity", "owner_municipality"]
    search_fields = ["activity__title", "name"]
    inlines = [OccasionInline, QuotaInline]


@admin.register(InterestRegistration)
class InterestRegistrationAdmin(ReadOnlyAdmin):
    list_display = ["name", "email", "activity", "created_at", "notified_at"]
    list_filter = ["consortium"]
    search_fields = ["email", "name"]
