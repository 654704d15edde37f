"""Walk every URL the project defines as three outsiders and assert that no
personal data of Huddinge staff leaks to them.

The outsiders: an anonymous visitor, a participant from Täby, and the CKA of
Täby. Every URL pattern must be reachable by this walk: a new pattern whose
arguments the walk cannot fill fails ``test_every_url_is_walked`` until it is
added to ``ARGUMENTS`` below. The walk grows with every capability.
"""

import io
import re

import pytest
from django.urls import URLPattern, URLResolver, get_resolver

from larnav.accounts.models import Role
from larnav.core.testing import make_user

pytestmark = pytest.mark.django_db

# Secrets that only Huddinge's own viewers may see.
HUDDINGE_SECRETS = ["anna@huddinge.se", "Åström", "erik@ekbacken.se", "Öberg"]


def _argument_values(region):
    """Values to try for each named URL argument; the most sensitive objects first."""
    from larnav.registrations import services
    from larnav.registrations.testing import make_session

    session = make_session(region.consortium, owner_municipality=region.huddinge)
    registration = services.register(session.pk, region.anna).registration
    services.register(session.pk, region.erik)
    survey = _answered_survey(region, session)
    plan, goal, indicator, value = _plan_objects(region)
    report = _report(region)
    needs = _huddinge_needs(region, session.activity)
    newsletter = _newsletter_to_huddinge(region)
    return {
        "pk": [region.anna.pk, region.erik.pk, region.solgarden.pk, region.ekbacken.pk, region.huddinge.pk,
               region.cka_huddinge.pk, session.pk, session.activity_id, registration.pk, plan.pk, goal.pk,
               indicator.pk, value.pk, report.pk, newsletter.pk],
        "session_pk": [session.pk],
        "decision": ["godkann", "avsla"],
        "unknown": ["organisations/x"],
        "activity_pk": [session.activity_id],
        "fmt": ["csv", "xlsx"],
        "token": ["nonsense-token"],
        "uidb64": ["MQ"],
        "kind": ["persons", "organisations"],
        "batch_id": [1],
        "object_id": [region.anna.pk],
        "assignment_pk": [region.cka_huddinge.role_assignments.first().pk],
        "app_label": ["people"],
        "template_pk": [survey.version.template_id],
        "version_pk": [survey.version_id],
        "section_pk": [survey.version.sections.first().pk],
        "question_pk": [survey.version.questions.first().pk],
        "survey_pk": [survey.pk],
        "direction": ["up", "down"],
        "message_kind": ["registration_confirmed", "approval_requested"],
        "language": ["sv", "en"],
        "plan_pk": [plan.pk],
        "goal_pk": [goal.pk],
        "campaign_pk": [needs["campaign"].pk],
        "submission_pk": [needs["submission"].pk],
        "item_pk": [needs["item"].pk],
        "contributor_pk": [needs["contributor"].pk],
    }


def _answered_survey(region, session):
    """An identified evaluation of the Huddinge session that Anna has answered (its export names her)."""
    from larnav.surveys import services as survey_services
    from larnav.surveys.models import Invitation, Survey
    from larnav.surveys.testing import K, make_round, make_template

    template = make_template(region.consortium, {"kind": K.TEXT, "text_sv": "Synpunkter"},
                             {"kind": K.SCALE, "text_sv": "Betyg"}, anonymous=False)
    survey = make_round(template, target=Survey.Target.SESSION, session=session, anonymous=False)
    question = survey.version.questions.get(text_sv="Synpunkter")
    for invitation in Invitation.objects.filter(survey=survey):
        survey_services.submit_response(survey.pk, {question.pk: "Bra kurs"}, invitation_token=invitation.token)
    return survey


def _report(region):
    """A report for Huddinge, ordered by Huddinge's CKA and built."""
    from datetime import date

    from larnav.reports import services as reports

    job = reports.request_report(region.cka_huddinge, region.consortium, reports.ReportRequest(
        kind="municipality", year=date.today().year, organisation=region.huddinge))
    reports.run_job(job.pk)
    return job


def _plan_objects(region):
    """An annual plan with a goal, a manual indicator and a value entered by hand."""
    from datetime import date
    from decimal import Decimal

    from larnav.plans import services as plans
    from larnav.plans.models import Goal, Indicator, Plan

    plan = plans.save_plan(Plan(consortium=region.consortium, year=date.today().year))
    goal = plans.save_goal(Goal(plan=plan, title="Effektiv länssamverkan"))
    indicator = plans.save_indicator(Indicator(goal=goal, name="Närvaro vid CKA-träffar", kind="manual",
                                               unit="%", target=Decimal(80)))
    value = plans.add_value(indicator, value=Decimal(75), measured_on=date.today(), comment="Träffen i mars")
    return plan, goal, indicator, value


def _huddinge_needs(region, activity):
    """Huddinge's needs inventory answer, with Erik Öberg invited to help and one need linked to the offer."""
    from larnav.catalog.testing import make_focus_area
    from larnav.needs import services as needs_services
    from larnav.needs.testing import make_campaign, make_item, submission_of

    theme = make_focus_area(region.consortium, "LSS")
    campaign = make_campaign(region.consortium, user=region.samordnare)
    submission = submission_of(campaign, region.huddinge)
    contributor = needs_services.invite_contributor(submission.pk, "erik@ekbacken.se", user=region.cka_huddinge)
    item = make_item(submission, contributor.user, theme=theme, title="Bemötande för nyanställda")
    needs_services.link_activities(item, [activity], user=region.samordnare)
    return {"campaign": campaign, "submission": submission, "item": item, "contributor": contributor}


def _newsletter_to_huddinge(region):
    """A newsletter sent to Huddinge's staff (its log names them) and Anna as a subscriber."""
    from larnav.newsletters import delivery
    from larnav.newsletters.testing import make_newsletter, make_subscription, start_sending

    make_subscription(region.consortium, "anna@huddinge.se", name="Anna Åström", municipality=region.huddinge)
    newsletter = start_sending(make_newsletter(region.consortium, include_staff=True, include_subscribers=True,
                                               organisations=[region.huddinge]))
    delivery.run(newsletter.pk)
    return newsletter


def iter_patterns(resolver=None, prefix="", namespace=""):
    resolver = resolver or get_resolver()
    for entry in resolver.url_patterns:
        if isinstance(entry, URLResolver):
            ns = f"{namespace}{entry.namespace}:" if entry.namespace else namespace
            yield from iter_patterns(entry, prefix + str(entry.pattern), ns)
        elif isinstance(entry, URLPattern):
            yield namespace + (entry.name or ""), prefix + str(entry.pattern)


PARAM = re.compile(r"<(?:(?P<conv>\w+):)?(?P<name>\w+)>")


def build_urls(route, values):
    """Concrete paths for a route such as 'personer/<int:pk>/' (only path converters)."""
    if route.startswith("^") or "(?P" in route:
        return None  # regex routes (the admin's): walked through their concrete pages instead
    names = [m.group("name") for m in PARAM.finditer(route)]
    if any(name not in values for name in names):
        return None
    urls = [route]
    for name in names:
        urls = [re.sub(rf"<(?:\w+:)?{name}>", str(v), u, count=1) for u in urls for v in values[name]]
    return ["/" + u for u in urls]


def body_text(response) -> str:
    content = b"".join(response.streaming_content) if response.streaming else response.content
    if response.get("Content-Type", "").startswith("application/vnd.openxmlformats"):
        from openpyxl import load_workbook

        workbook = load_workbook(io.BytesIO(content), read_only=True)
        return " ".join(str(c) for ws in workbook.worksheets for row in ws.iter_rows(values_only=True) for c in row)
    return content.decode("utf-8", errors="replace")


@pytest.fixture
def outsiders(region):
    tove_user = make_user(region.consortium, Role.DELTAGARE, username="tove", person=region.tove)
    return {"anonymous": None, "participant from Täby": tove_user, "CKA of Täby": region.cka_taby}


def test_every_url_is_walked(region):
    values = _argument_values(region)
    unwalked = [
        (name, route) for name, route in iter_patterns()
        if build_urls(route, values) is None and not name.startswith("admin:")
    ]
    assert unwalked == [], "add argument values for these URL patterns to ARGUMENTS"


@pytest.mark.parametrize("who", ["anonymous", "participant from Täby", "CKA of Täby"])
def test_no_personal_data_leaks_to_outsiders(client, region, outsiders, who):
    user = outsiders[who]
    if user is not None:
        client.force_login(user)
    values = _argument_values(region)
    checked = 0
    for name, route in iter_patterns():
        for url in build_urls(route, values) or []:
            for method in ("get", "post"):
                response = getattr(client, method)(url)
                assert response.status_code < 500, f"{method.upper()} {url} ({name}) as {who}"
                text = body_text(response)
                leaked = [s for s in HUDDINGE_SECRETS if s in text]
                assert not leaked, f"{method.upper()} {url} ({name}) shows {leaked} to {who}"
                checked += 1
            if user is not None and client.session.get("_auth_user_id") is None:
                user.refresh_from_db()  # a sign-out URL was walked: sign in again
                client.force_login(user)
    assert checked > 20


def test_the_walk_would_notice_a_leak(client, region):
    """Guard against a walk that checks nothing: Huddinge's own CKA does see the data."""
    client.force_login(region.cka_huddinge)
    text = body_text(client.get("/personer/"))
    assert "anna@huddinge.se" in text
    assert "anna@huddinge.se" in body_text(client.get("/personer/export.xlsx"))
