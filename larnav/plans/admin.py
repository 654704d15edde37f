"""Django admin for the annual plan: for looking things up. Changes belong in the plan's own pages,
which go through the services (they keep a computed indicator's unit in step with its measure)."""

from django.contrib import admin

from .models import Goal, Indicator, IndicatorValue, Plan


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(Plan)
class PlanAdmin(ReadOnlyAdmin):
    list_display = ["title", "year", "consortium"]
    list_filter = ["consortium", "year"]


@admin.register(Goal)
class GoalAdmin(ReadOnlyAdmin):
    list_display = ["title", "plan", "sort_order"]
    list_filter = ["plan"]


@admin.register(Indicator)
class IndicatorAdmin(ReadOnlyAdmin):
    list_display = ["name", "goal", "kind", "metric", "target", "direction", "unit"]
    list_filter = ["kind", "metric"]


@admin.register(IndicatorValue)
class IndicatorValueAdmin(ReadOnlyAdmin):
    list_display = ["indicator", "value", "measured_on", "entered_by"]
