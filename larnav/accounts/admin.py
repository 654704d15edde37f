from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.utils.translation import gettext_lazy as _

from .models import RoleAssignment, User


class RoleAssignmentInline(admin.TabularInline):
    model = RoleAssignment
    extra = 0
    raw_id_fields = ["organisation"]
    fields = ["role", "consortium", "organisation", "valid_from", "valid_to"]


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    fieldsets = (
        *DjangoUserAdmin.fieldsets,
        (_("Lärnav"), {"fields": ("consortium", "person", "language")}),
    )
    raw_id_fields = ["person"]
    list_display = ["username", "first_name", "last_name", "email", "consortium", "is_active"]
    list_filter = ["consortium", "is_active", "is_staff", "role_assignments__role"]
    inlines = [RoleAssignmentInline]


@admin.register(RoleAssignment)
class RoleAssignmentAdmin(admin.ModelAdmin):
    list_display = ["user", "role", "organisation", "valid_from", "valid_to"]
    list_filter = ["role", "consortium"]
    search_fields = ["user__username", "user__last_name", "organisation__name"]
    raw_id_fields = ["user", "organisation"]
