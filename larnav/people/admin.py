from django.contrib import admin

from .models import Occupation, Person


@admin.register(Occupation)
class OccupationAdmin(admin.ModelAdmin):
    list_display = ["name_sv", "name_en", "code", "sort_order", "is_active"]
    list_editable = ["sort_order", "is_active"]
    search_fields = ["name_sv", "name_en", "code"]


@admin.register(Person)
class PersonAdmin(admin.ModelAdmin):
    list_display = ["last_name", "first_name", "email", "workplace", "occupation", "is_active"]
    list_filter = ["consortium", "occupation", "is_active"]
    search_fields = ["first_name", "last_name", "email"]
    raw_id_fields = ["workplace"]
