"""The demo surveys: consistent with what the services would store, and idempotent."""

import random
from datetime import timedelta

import pytest
from django.db.models import Count
from django.utils import timezone

from larnav.catalog.models import Session
from larnav.core.testing import make_person
from larnav.registrations.models import Registration, Status
from larnav.registrations.testing import make_session
from larnav.surveys import selectors
from larnav.surveys.demo import seed_surveys
from larnav.surveys.models import Invitation, Respondent, Response, Survey

pytestmark = pytest.mark.django_db


def test_demo_surveys_are_consistent_and_idempotent(region):
    past = make_session(region.consortium, capacity=30, days_ahead=-40, title="Bemötande i LSS")
    Session.objects.filter(pk=past.pk).update(status=Session.Status.COMPLETED,
                                              last_end=timezone.now() - timedelta(days=39))
    people = [make_person(region.consortium, region.tibble) for _ in range(20)] + [region.anna]
    Registration.objects.bulk_create(
        Registration(consortium=region.consortium, session=past, person=p, status=Status.COMPLETED,
                     workplace=p.workplace, municipality_id=p.workplace.municipality_id) for p in people)
    first = seed_surveys(region.consortium, random.Random(3))
    assert seed_surveys(region.consortium, random.Random(3)) == first
    evaluation = Survey.objects.get(session=past)
    assert evaluation.automatic and evaluation.anonymous and evaluation.version.is_frozen
    invitations = Invitation.objects.filter(survey=evaluation)
    assert invitations.count() == 21
    assert invitations.filter(answered=True).count() == Response.objects.filter(survey=evaluation).count() > 0
    # The demo participant's course waits for their answer and is still open.
    anna = invitations.get(person=region.anna)
    assert not anna.answered and evaluation.is_open(timezone.now())
    assert not Respondent.objects.exists()
    # Every response fits the version: each answer's choice belongs to its question.
    for survey in Survey.objects.filter(consortium=region.consortium):
        rows = Response.objects.filter(survey=survey).values("answers__question__version_id").annotate(n=Count("pk"))
        assert {r["answers__question__version_id"] for r in rows} <= {survey.version_id, None}
    # The CKA survey of two years compares across its versions; this year's round is open to the CKA.
    cka = Survey.objects.filter(title__startswith="CKA-enkät").order_by("opens_at")
    assert [s.version.number for s in cka] == [1, 2, 2]
    assert cka[2].target == Survey.Target.ROLES and Invitation.objects.filter(survey=cka[2]).count() == 3
    first_version, second_version = cka[0].version, cka[1].version
    lineages = set(first_version.questions.values_list("lineage", flat=True))
    assert lineages < set(second_version.questions.values_list("lineage", flat=True))
    assert second_version.questions.count() == len(lineages) + 1
    assert all(Response.objects.filter(survey=s).exists() for s in cka)
    # A region of three municipalities gives the CKA rounds fewer than five responses: hidden.
    template = first_version.template
    responses = selectors.template_responses(region.samordnare, template)
    compared = selectors.compare(template, selectors.Side("2024", responses.filter(survey=cka[0])),
                                 selectors.Side("2025", responses.filter(survey=cka[1])))
    assert compared and all(c.a_masked and c.b_masked for c in compared)
