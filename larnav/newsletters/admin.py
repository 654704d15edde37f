from django.contrib import admin

from .models import Delivery, Newsletter, Subscription, Suppression


class ReadOnlyAdmin(admin.ModelAdmin):
    """Read-only: every change goes through larnav.newsletters.services (and its pages)."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(Newsletter)
class NewsletterAdmin(ReadOnlyAdmin):
    list_display = ["subject", "status", "send_at", "recipient_count", "consortium"]
    list_filter = ["status", "consortium"]
    search_fields = ["subject"]


@admin.register(Delivery)
class DeliveryAdmin(ReadOnlyAdmin):
    list_display = ["email", "newsletter", "status", "sent_at", "error"]
    list_filter = ["status"]
    search_fields = ["email"]
    raw_id_fields = ["newsletter", "subscription"]
    exclude = ["token"]


@admin.register(Subscription)
class SubscriptionAdmin(ReadOnlyAdmin):
    list_display = ["email", "status", "created_at", "confirmed_at", "consortium"]
    list_filter = ["status", "consortium"]
    search_fields = ["email", "name"]
    exclude = ["token"]


@admin.register(Suppression)
class SuppressionAdmin(ReadOnlyAdmin):
    list_display = ["email", "reason", "created_at", "consortium"]
    list_filter = ["reason", "consortium"]
    search_fields = ["email"]
