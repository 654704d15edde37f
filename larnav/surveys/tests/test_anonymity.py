"""Anonymous means anonymous, checked in the database itself.

After someone answers an anonymous round, nothing stored links the answer to
them: the response has no column that could hold a person, user, invitation
or token, and no time finer than the day; no other table points at the
response except its answers; the invitation learns only that it was
answered; and the database refuses to link the response afterwards.
"""

import re
import uuid

import pytest
from django.contrib.sessions.models import Session as DjangoSession
from django.db import DatabaseError, IntegrityError, connection, transaction
from django.urls import reverse

from larnav.notifications.models import OutgoingMessage
from larnav.registrations import services as registrations
from larnav.registrations.models import Registration, Status
from larnav.registrations.testing import make_session
from larnav.surveys import services
from larnav.surveys.models import Invitation, Respondent, Response, Survey
from larnav.surveys.testing import K, by_text, choice, make_round, make_template

pytestmark = pytest.mark.django_db(transaction=False)

RESPONSE_COLUMNS = {"id", "survey_id", "consortium_id", "submitted_on", "language", "municipality_id",
                    "district_id", "occupation_id"}
IDENTITY_TABLES = {"people_person", "accounts_user", "surveys_invitation", "surveys_respondent"}


@pytest.fixture
def answered(region, client):
    """Anna answers an anonymous evaluation through the link in her e-mail."""
    session = make_session(region.consortium)
    for person in (region.anna, region.erik, region.sara):
        registrations.register(session.pk, person)
    Registration.objects.filter(session=session).update(status=Status.COMPLETED)
    template = make_template(region.consortium, {"kind": K.SCALE, "text_sv": "Betyg", "required": True},
                             {"kind": K.TEXT, "text_sv": "Övrigt"})
    survey = make_round(template, target=Survey.Target.SESSION, session=session, anonymous=True)
    invitation = Invitation.objects.get(survey=survey, person=region.anna)
    before = _row("surveys_invitation", invitation.pk)
    messages_before = OutgoingMessage.objects.count()
    grade, other = by_text(template, "Betyg"), by_text(template, "Övrigt")
    page = client.post(reverse("surveys:respond", args=[invitation.token]),
                       {f"q{grade.pk}": str(choice(grade, value=2)), f"q{other.pk}": "Lokalen var för liten."})
    assert page.status_code == 302
    return {"survey": survey, "invitation": invitation, "before": before, "person": region.anna,
            "messages_before": messages_before, "user_pk": region.deltagare.pk}


def _row(table, pk):
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT * FROM {connection.ops.quote_name(table)} WHERE id = %s", [pk])  # noqa: S608
        names = [c[0] for c in cursor.description]
        return dict(zip(names, cursor.fetchone(), strict=True))


def _rows(sql, params):
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        names = [c[0] for c in cursor.description]
        return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]


def _relations(table) -> set[str]:
    with connection.cursor() as cursor:
        return {target for _column, (_field, target) in connection.introspection.get_relations(cursor, table).items()}


def test_the_response_table_cannot_hold_an_identity_or_a_time(answered):
    with connection.cursor() as cursor:
        columns = {c.name for c in connection.introspection.get_table_description(cursor, "surveys_response")}
    assert columns == RESPONSE_COLUMNS
    assert not _relations("surveys_response") & IDENTITY_TABLES
    assert not _relations("surveys_answer") & IDENTITY_TABLES
    # Only the answers and the identified rounds' respondent table point at a response.
    with connection.cursor() as cursor:
        tables = connection.introspection.table_names(cursor)
    pointing = {t for t in tables if "surveys_response" in _relations(t)}
    assert pointing == {"surveys_answer", "surveys_respondent"}


def test_the_stored_response_says_nothing_about_who_or_when(answered):
    survey, person, invitation = answered["survey"], answered["person"], answered["invitation"]
    responses = _rows("SELECT * FROM surveys_response WHERE survey_id = %s", [survey.pk])
    assert len(responses) == 1
    response = responses[0]
    answers = _rows("SELECT * FROM surveys_answer WHERE response_id = %s", [response["id"]])
    assert len(answers) == 2
    stored = " ".join(str(v) for row in responses + answers for v in row.values())
    for secret in (invitation.token, person.email, person.first_name, person.last_name):
        assert secret not in stored
    # The day, and nothing finer: no clock time anywhere in the rows.
    assert re.fullmatch(r"\d{4}-\d{2}-\d{2}", str(response["submitted_on"]))
    assert not re.search(r"\d{1,2}:\d{2}", stored)
    # Random ids: the order of the responses does not give away the order of answering.
    uuid.UUID(str(response["id"]))
    assert not _rows("SELECT * FROM surveys_respondent WHERE survey_id = %s", [survey.pk])


def test_the_invitation_only_learns_that_it_was_answered(answered):
    invitation = answered["invitation"]
    before, after = answered["before"], _row("surveys_invitation", invitation.pk)
    changed = {k for k in after if after[k] != before[k]}
    assert changed == {"answered"}
    assert not _relations("surveys_invitation") & {"surveys_response", "surveys_answer"}
    # Answering wrote no e-mail and started no browser session either (their times would tell).
    assert OutgoingMessage.objects.count() == answered["messages_before"]
    assert not DjangoSession.objects.exists()


def test_the_database_refuses_to_link_an_anonymous_response_afterwards(answered):
    survey = answered["survey"]
    response_id = Response.objects.get(survey=survey).pk
    person = answered["person"]
    with pytest.raises((IntegrityError, DatabaseError)), transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute(
                "INSERT INTO surveys_respondent (response_id, survey_id, person_id) VALUES (%s, %s, %s)",
                [response_id.hex if connection.vendor == "sqlite" else response_id, survey.pk, person.pk])
    with pytest.raises((IntegrityError, DatabaseError)), transaction.atomic():
        Respondent.objects.create(response_id=response_id, survey=survey, person=person)
    # Nor can the round stop being anonymous now that it has responses.
    with pytest.raises((IntegrityError, DatabaseError)), transaction.atomic():
        Survey.objects.filter(pk=survey.pk).update(anonymous=False)
    survey.refresh_from_db()
    assert survey.anonymous and not Respondent.objects.exists()


def test_an_identified_response_cannot_be_filed_under_another_round(region):
    """The respondent row must name the response's own round, so it cannot dodge the check."""
    template = make_template(region.consortium, {"kind": K.TEXT, "text_sv": "Fritt"})
    anonymous = make_round(template, anonymous=True, title="Anonym")
    identified = make_round(template, anonymous=False, title="Med namn")
    response = services.submit_response(anonymous.pk, {by_text(template, "Fritt").pk: "Hej"})
    with pytest.raises((IntegrityError, DatabaseError)), transaction.atomic():
        Respondent.objects.create(response=response, survey=identified, person=region.anna)
    assert not Respondent.objects.exists()


def test_nothing_on_the_round_page_tells_who_answered_an_anonymous_round(client, region, answered):
    client.force_login(region.samordnare)
    page = client.get(reverse("surveys:survey", args=[answered["survey"].pk])).content.decode()
    assert "1 av 3" in page
    for person in (region.anna, region.erik, region.sara):
        assert person.last_name not in page and person.email not in page
