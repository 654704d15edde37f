"""Double clicks and racing colleagues: an answer is submitted once and a need is stored once."""

import pytest
from django.db import connection

from larnav.needs import services
from larnav.needs.errors import AlreadySubmitted
from larnav.needs.models import Event, NeedItem, Submission
from larnav.needs.testing import make_campaign, make_item, submission_of
from larnav.registrations.tests.test_concurrency import run_in_threads

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def answer(region):
    from larnav.catalog.testing import make_focus_area

    theme = make_focus_area(region.consortium, "LSS")
    submission = submission_of(make_campaign(region.consortium), region.huddinge)
    return submission, theme


def test_eight_clicks_on_submit_submit_once(region, answer):
    submission, theme = answer
    make_item(submission, region.cka_huddinge, theme=theme)
    errors = run_in_threads([lambda: services.submit(submission.pk, user=region.cka_huddinge)] * 8)
    assert len(errors) == 7 and all(isinstance(e, AlreadySubmitted) for e in errors), \
        f"{connection.vendor}: {errors[:3]}"
    submission.refresh_from_db()
    assert submission.status == Submission.Status.SUBMITTED
    assert submission.events.filter(kind=Event.Kind.SUBMITTED).count() == 1


def test_the_same_need_saved_by_racing_requests_is_stored_once(region, answer):
    submission, theme = answer

    def save():
        services.save_item(submission.pk, NeedItem(title="Bemötande", theme=theme, estimated_staff=5, priority=1),
                           user=region.cka_huddinge)

    errors = run_in_threads([save] * 6)
    assert len(errors) == 5, f"{connection.vendor}: {errors[:3]}"
    assert NeedItem.objects.filter(submission=submission).count() == 1
    assert submission.events.filter(kind=Event.Kind.STARTED).count() == 1
