"""Builders for newsletter tests."""

from django.utils import timezone

from .models import Newsletter, Subscription


def make_newsletter(consortium, *, subject="Nyheter i december", body="## Välkommen\n\nHär är **nyheterna**.",
                    include_staff=False, roles=(), include_subscribers=False, occupations=(), organisations=(),
                    focus_areas=(), status=Newsletter.Status.DRAFT, user=None) -> Newsletter:
    newsletter = Newsletter.objects.create(
        consortium=consortium, subject=subject, body=body, include_staff=include_staff, roles=list(roles),
        include_subscribers=include_subscribers, status=status, created_by=user,
    )
    newsletter.occupations.set(occupations)
    newsletter.organisations.set(organisations)
    newsletter.focus_areas.set(focus_areas)
    return newsletter


def make_subscription(consortium, email, *, status=Subscription.Status.CONFIRMED, municipality=None,
                      focus_areas=(), language="sv", name="") -> Subscription:
    now = timezone.now()
    subscription = Subscription.objects.create(
        consortium=consortium, email=email, status=status, municipality=municipality, language=language,
        name=name, confirmation_sent_at=now, confirmed_at=now if status == Subscription.Status.CONFIRMED else None,
    )
    subscription.focus_areas.set(focus_areas)
    return subscription


def start_sending(newsletter) -> Newsletter:
    """Mark a newsletter as due now (what scheduling does, without the job)."""
    Newsletter.objects.filter(pk=newsletter.pk).update(status=Newsletter.Status.SCHEDULED, send_at=timezone.now())
    newsletter.refresh_from_db()
    return newsletter
