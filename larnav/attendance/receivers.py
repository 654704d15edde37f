"""Attendance's answers to catalog changes (see larnav.catalog.signals)."""

from django.dispatch import receiver

from larnav.catalog import signals
from larnav.registrations.models import Registration

from . import services


@receiver(signals.occasions_removed, dispatch_uid="attendance-occasions-removed")
def refresh_present(sender, session_id, **kwargs):
    """Removing an occasion removes the attendance taken on it: who was present may have changed."""
    services.refresh_present(Registration.objects.filter(session_id=session_id))
