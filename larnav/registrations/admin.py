from django.contrib import admin

from .models import Question, Registration, RegistrationEvent


class RegistrationEventInline(admin.TabularInline):
    model = RegistrationEvent
    extra = 0
    can_delete = False
    readonly_fields = ["from_status", "to_status", "actor", "reason", "at"]

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Registration)
class RegistrationAdmin(admin.ModelAdmin):
    """Read-only: every change of a registration goes through the registration service."""

    list_display = ["person", "session", "status", "created_at"]
    list_filter = ["status", "consortium"]
    search_fields = ["person__first_name", "person__last_name", "person__email"]
    raw_id_fields = ["session", "person", "workplace", "municipality", "registered_by", "approver"]
    inlines = [RegistrationEventInline]

    def has_change_permission(self, request, obj=None):
        return False

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Question)
class QuestionAdmin(admin.ModelAdmin):
    list_display = ["text", "activity", "kind", "required", "sort_order"]
    list_filter = ["kind", "required"]
    search_fields = ["text", "activity__title"]
    raw_id_fields = ["activity"]
