"""The registration rules' answers to catalog changes (see larnav.catalog.signals), to
changes of persons (larnav.people.signals) and of organisations."""

from django.db.models.signals import post_save
from django.dispatch import receiver
from django.utils.translation import gettext_noop

from larnav.catalog import signals
from larnav.organisations.models import Organisation
from larnav.people import signals as people_signals

from . import services


@receiver(signals.seats_may_have_freed, dispatch_uid="registrations-fill-free-seats")
def fill_free_seats(sender, session_id, **kwargs):
    services.fill_free_seats(session_id)


@receiver(signals.session_cancelled, dispatch_uid="registrations-session-cancelled")
def cancel_registrations(sender, session_id, actor=None, **kwargs):
    services.cancel_all_for_session(session_id, actor if getattr(actor, "is_authenticated", False) else None,
                                    gettext_noop("The session is cancelled"))


@receiver(signals.session_changed, dispatch_uid="registrations-session-changed")
def tell_about_change(sender, session_id, **kwargs):
    from . import notifications

    notifications.session_changed(session_id)


@receiver(people_signals.details_changed, dispatch_uid="registrations-person-details")
def copy_person_details(sender, person_ids, **kwargs):
    services.copy_person_details(person_ids)


@receiver(post_save, sender=Organisation, dispatch_uid="registrations-workplace-details")
def copy_workplace_details(sender, instance, created, raw=False, **kwargs):
    if not created and not raw:  # a new organisation has no registrations yet
        services.copy_workplace_details(instance)
