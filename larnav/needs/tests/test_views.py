"""The needs inventory's pages: scoping, bad input, the aggregated view and the exports."""

import csv
import io
from datetime import timedelta

import pytest
from django.core import mail
from django.utils import timezone
from openpyxl import load_workbook

from larnav.accounts.models import Role
from larnav.catalog.testing import make_activity
from larnav.core.navigation import links_in
from larnav.core.testing import make_occupation, make_user
from larnav.needs import selectors, services
from larnav.needs.models import Campaign, Event, NeedItem, Submission
from larnav.needs.testing import address, delivered, make_item, submission_of

pytestmark = pytest.mark.django_db
S = Submission.Status


def item_data(themes, **overrides):
    data = {"title": "Lågaffektivt bemötande", "theme": themes["bemotande"].pk, "estimated_staff": "25",
            "priority": "1", "level": "grund", "funktion": "utforare", "description": "För nyanställda"}
    data.update(overrides)
    return data


def body(response) -> str:
    content = b"".join(response.streaming_content) if response.streaming else response.content
    return content.decode("utf-8-sig")


# --- A CKA answers -------------------------------------------------------------------------

def test_a_cka_adds_needs_and_submits_once(client, region, huddinge, themes):
    client.force_login(region.cka_huddinge)
    page = client.get(f"/behovsinventering/svar/{huddinge.pk}/")
    assert page.status_code == 200 and page.context["editable"]
    url = f"/behovsinventering/svar/{huddinge.pk}/nytt-behov/"
    response = client.post(url, {**item_data(themes), "target_occupations": [region.occupation.pk], "another": "1"})
    assert response.status_code == 302 and response["Location"] == url
    client.post(url, item_data(themes, title="AKK i vardagen", theme=themes["akk"].pk, priority="2"))
    assert NeedItem.objects.filter(submission=huddinge).count() == 2
    huddinge.refresh_from_db()
    assert huddinge.status == S.DRAFT

    submit = f"/behovsinventering/svar/{huddinge.pk}/skicka-in/"
    assert client.get(submit).status_code == 200
    response = client.post(submit, follow=True)
    assert [str(m) for m in response.context["messages"]] == ["Thank you! Your needs inventory is submitted."]
    again = client.post(submit, follow=True)
    messages = [str(m) for m in again.context["messages"]]
    assert any("locked" in m or "låst" in m for m in messages)
    assert huddinge.events.filter(kind=Event.Kind.SUBMITTED).count() == 1
    # After submitting, the form refuses new needs with a message instead of a form.
    response = client.post(url, item_data(themes, title="Ännu ett"), follow=True)
    assert NeedItem.objects.filter(submission=huddinge).count() == 2
    assert response.redirect_chain[-1][0].endswith(f"/behovsinventering/svar/{huddinge.pk}/")


def test_missing_answers_and_oversized_text_are_shown_and_nothing_is_stored(client, region, huddinge, themes):
    client.force_login(region.cka_huddinge)
    url = f"/behovsinventering/svar/{huddinge.pk}/nytt-behov/"
    response = client.post(url, {"title": "", "theme": "", "estimated_staff": "", "priority": ""})
    assert response.status_code == 400
    errors = response.context["form"].errors
    assert {"title", "theme", "estimated_staff"} <= set(errors)
    assert "Describe the need in a few words." in errors["title"]
    response = client.post(url, item_data(themes, description="x" * 5000, estimated_staff="10000000000"))
    assert response.status_code == 400
    assert {"description", "estimated_staff"} <= set(response.context["form"].errors)
    assert NeedItem.objects.count() == 0
    huddinge.refresh_from_db()
    assert huddinge.status == S.NOT_STARTED


def test_manipulated_ids_are_refused(client, region, huddinge, taby, themes):
    item = make_item(huddinge, region.cka_huddinge, theme=themes["lss"])
    client.force_login(region.cka_taby)
    assert client.get(f"/behovsinventering/svar/{huddinge.pk}/").status_code == 404
    assert client.post(f"/behovsinventering/svar/{huddinge.pk}/nytt-behov/", item_data(themes)).status_code == 404
    assert client.post(f"/behovsinventering/behov/{item.pk}/andra/", item_data(themes)).status_code == 404
    assert client.post(f"/behovsinventering/behov/{item.pk}/ta-bort/").status_code == 404
    assert client.post(f"/behovsinventering/svar/{huddinge.pk}/skicka-in/").status_code == 404
    assert client.post(f"/behovsinventering/svar/{huddinge.pk}/kollegor/", {"email": "x@y.se"}).status_code == 404
    assert client.get("/behovsinventering/svar/999999/").status_code == 404
    # In its own answer: ids that are not offered are form errors, not server errors.
    response = client.post(f"/behovsinventering/svar/{taby.pk}/nytt-behov/",
                           item_data(themes, theme="999999", target_occupations=["999999", "abc"]))
    assert response.status_code == 400
    assert {"theme", "target_occupations"} <= set(response.context["form"].errors)
    item.refresh_from_db()
    assert item.submission == huddinge and NeedItem.objects.count() == 1


def test_the_cka_sees_only_their_own_answers(client, region, campaign, huddinge, themes):
    make_item(huddinge, region.cka_huddinge, theme=themes["lss"], title="Huddinges behov")
    client.force_login(region.cka_taby)
    page = client.get("/behovsinventering/")
    assert [s.organisation for s in page.context["own"]] == [region.taby]
    assert "Huddinges behov" not in body(page)
    assert client.get(f"/behovsinventering/{campaign.pk}/").status_code == 403
    assert client.get(f"/behovsinventering/{campaign.pk}/sammanstallning/").status_code == 403
    assert client.get(f"/behovsinventering/{campaign.pk}/export.csv").status_code == 403


def test_participants_have_no_needs_pages(client, region, campaign):
    client.force_login(region.deltagare)
    assert client.get("/behovsinventering/").status_code == 403
    client.logout()
    assert client.get("/behovsinventering/").status_code == 302


def test_an_invited_colleague_edits_from_the_emailed_link(client, region, huddinge, themes):
    client.force_login(region.cka_huddinge)
    with delivered():
        response = client.post(f"/behovsinventering/svar/{huddinge.pk}/kollegor/", {"email": "erik@ekbacken.se"})
    assert response.status_code == 302
    page = client.get(f"/behovsinventering/svar/{huddinge.pk}/")
    assert "Erik Öberg" in body(page)  # the CKA sees who helps (and the permission walk checks outsiders don't)
    bad = client.post(f"/behovsinventering/svar/{huddinge.pk}/kollegor/", {"email": "tove@taby.se"}, follow=True)
    assert any("Nobody working in Huddinge" in str(m) for m in bad.context["messages"])
    erik = huddinge.contributors.get().user
    assert address(mail.outbox[-1]) == "erik@ekbacken.se"

    client.force_login(erik)
    page = client.get(f"/behovsinventering/svar/{huddinge.pk}/")
    assert page.status_code == 200 and page.context["access"].is_contributor_only
    client.post(f"/behovsinventering/svar/{huddinge.pk}/nytt-behov/", item_data(themes))
    assert huddinge.items.get().created_by == erik
    assert client.post(f"/behovsinventering/svar/{huddinge.pk}/skicka-in/").status_code == 404
    assert [s.pk for s in client.get("/behovsinventering/").context["own"]] == [huddinge.pk]


def test_the_start_page_points_a_cka_to_the_open_inventory(client, region, huddinge):
    client.force_login(region.cka_huddinge)
    page = client.get("/")
    assert [s.pk for s in page.context["open_needs"]] == [huddinge.pk]
    assert f"/behovsinventering/svar/{huddinge.pk}/" in body(page)
    assert any(item["url"] == "/behovsinventering/" for item in links_in(page.context["nav_items"]))
    client.force_login(region.chef_solgarden)
    page = client.get("/")
    assert page.context["open_needs"] == []
    assert not any(item["url"] == "/behovsinventering/" for item in links_in(page.context["nav_items"]))


# --- The coordinator ---------------------------------------------------------------------------

def test_the_coordinator_opens_an_inventory(client, region, themes):
    client.force_login(region.samordnare)
    assert client.get("/behovsinventering/ny/").status_code == 200
    today = timezone.localdate()
    data = {"title": "Behovsinventering 2028", "year": "2028", "opens": today.isoformat(),
            "deadline": (today - timedelta(days=1)).isoformat(), "reminder_days": "7"}
    response = client.post("/behovsinventering/ny/", data)
    assert response.status_code == 200 and response.context["form"].errors
    data["deadline"] = (today + timedelta(days=30)).isoformat()
    response = client.post("/behovsinventering/ny/", data)
    campaign = Campaign.objects.get()
    assert response["Location"] == f"/behovsinventering/{campaign.pk}/"
    assert campaign.submissions.count() == 3 and campaign.created_by == region.samordnare
    page = client.get(f"/behovsinventering/{campaign.pk}/")
    assert page.context["counts"] == {"not_started": 3, "draft": 0, "submitted": 0, "total": 3}
    assert [s.organisation.name for s in page.context["page"].object_list] == ["Huddinge", "Södermalm", "Täby"]
    page = client.get(f"/behovsinventering/{campaign.pk}/?status=submitted&sort=-staff")
    assert list(page.context["page"].object_list) == []


def test_the_coordinator_reminds_reopens_and_closes(client, region, campaign, huddinge, themes):
    make_item(huddinge, region.cka_huddinge, theme=themes["lss"])
    services.submit(huddinge.pk, user=region.cka_huddinge)
    client.force_login(region.samordnare)
    assert client.get(f"/behovsinventering/{campaign.pk}/paminn/").status_code == 200
    with delivered():
        client.post(f"/behovsinventering/{campaign.pk}/paminn/")
    assert sorted(address(m) for m in mail.outbox if "Reminder" in m.subject or "Påminnelse" in m.subject) == \
        sorted([region.cka_taby.email, region.cka_sodermalm.email])
    page = client.get(f"/behovsinventering/{campaign.pk}/paminn/")
    assert page.context["error"]  # everyone due was reminded today

    url = f"/behovsinventering/svar/{huddinge.pk}/oppna-igen/"
    assert client.post(url, {"reason": ""}).context["form"].errors
    client.post(url, {"reason": "Komplettera med HSL"})
    huddinge.refresh_from_db()
    assert huddinge.status == S.DRAFT

    client.post(f"/behovsinventering/{campaign.pk}/status/")
    campaign.refresh_from_db()
    assert campaign.status == Campaign.Status.CLOSED
    client.force_login(region.cka_huddinge)
    response = client.post(f"/behovsinventering/svar/{huddinge.pk}/nytt-behov/", item_data(themes), follow=True)
    assert any("closed" in str(m) or "stängd" in str(m) for m in response.context["messages"])
    assert huddinge.items.count() == 1


def test_needs_are_linked_to_the_offer(client, region, huddinge, themes):
    item = make_item(huddinge, region.cka_huddinge, theme=themes["lss"])
    matching = make_activity(region.consortium, "LSS i praktiken", focus_areas=[themes["lss"]])
    other = make_activity(region.consortium, "Ledarskap")
    client.force_login(region.samordnare)
    page = client.get(f"/behovsinventering/behov/{item.pk}/utbud/")
    assert list(page.context["form"].fields["activities"].queryset) == [matching]
    page = client.get(f"/behovsinventering/behov/{item.pk}/utbud/?q=ledar")
    assert list(page.context["form"].fields["activities"].queryset) == [other]
    client.post(f"/behovsinventering/behov/{item.pk}/utbud/", {"activities": [other.pk]})
    assert list(item.answered_by.all()) == [other]
    response = client.post(f"/behovsinventering/behov/{item.pk}/utbud/", {"activities": ["999999"]})
    assert response.context["form"].errors
    client.post(f"/behovsinventering/behov/{item.pk}/utbud/", {"remove": "nonsense"})
    client.post(f"/behovsinventering/behov/{item.pk}/utbud/", {"remove": str(other.pk)})
    assert not item.answered_by.exists()
    client.force_login(region.cka_huddinge)
    assert client.get(f"/behovsinventering/behov/{item.pk}/utbud/").status_code == 403


# --- The aggregated view ----------------------------------------------------------------------

@pytest.fixture
def answered(region, campaign, themes):
    """Huddinge and Södermalm submitted, Täby has a draft; one need answered by the offer."""
    huddinge, taby = submission_of(campaign, region.huddinge), submission_of(campaign, region.taby)
    sodermalm = submission_of(campaign, region.sodermalm)
    nurse = make_occupation("sjukskoterska", "Sjuksköterska", "Nurse")
    a = make_item(huddinge, region.cka_huddinge, theme=themes["lss"], staff=40, priority=1,
                  occupations=[region.occupation], level="grund", funktion="utforare")
    make_item(huddinge, region.cka_huddinge, theme=themes["akk"], staff=10, priority=2,
              occupations=[region.occupation, nurse])
    make_item(sodermalm, region.cka_sodermalm, theme=themes["lss"], staff=15, priority=1)
    make_item(taby, region.cka_taby, theme=themes["lss"], staff=100, priority=3)
    services.submit(huddinge.pk, user=region.cka_huddinge)
    services.submit(sodermalm.pk, user=region.cka_sodermalm)
    services.link_activities(a, [make_activity(region.consortium, "LSS grundkurs")], user=region.samordnare)
    return {"a": a}


def test_the_aggregation_counts_submitted_answers(region, campaign, themes, answered):
    items = selectors.summary_items(campaign)
    assert selectors.totals(items) == {"items": 3, "staff": 65, "organisations": 2, "unanswered": 2}
    by_theme = {r["theme"].name: (r["items"], r["staff"], r["organisations"], r["unanswered"])
                for r in selectors.by_theme(items)}
    assert by_theme == {"LSS": (2, 55, 2, 1), "Kommunikation och AKK": (1, 10, 1, 1)}
    matrix = selectors.theme_by_organisation(items)
    assert [t.name for t in matrix["themes"]] == ["LSS", "Kommunikation och AKK"] or \
        {t.name for t in matrix["themes"]} == {"LSS", "Kommunikation och AKK"}
    rows = {r["organisation"].name: r["staff"] for r in matrix["rows"]}
    assert rows == {"Huddinge": 50, "Södermalm": 15} and matrix["staff"] == 65
    occupations = {(r["occupation"].code if r["occupation"] else None): (r["items"], r["staff"])
                   for r in selectors.by_occupation(items)}
    assert occupations == {"stodassistent": (2, 50), "sjukskoterska": (1, 10), None: (1, 15)}
    assert [(r["value"], r["items"]) for r in selectors.by_priority(items)] == [(1, 2), (2, 1)]
    with_drafts = selectors.summary_items(campaign, selectors.SummaryFilters(include_drafts=True))
    assert selectors.totals(with_drafts)["staff"] == 165
    only_lss = selectors.summary_items(campaign, selectors.SummaryFilters(theme=themes["lss"], priority=1))
    assert selectors.totals(only_lss)["items"] == 2


def test_the_steering_group_sees_the_summary_but_no_answers(client, region, campaign, huddinge, answered):
    client.force_login(region.styrgrupp_taby)
    page = client.get(f"/behovsinventering/{campaign.pk}/sammanstallning/")
    assert page.status_code == 200 and page.context["totals"]["staff"] == 65
    page = client.get(f"/behovsinventering/{campaign.pk}/sammanstallning/?drafts=on&priority=banana&theme=x")
    assert page.status_code == 200 and page.context["totals"]["staff"] == 165
    assert client.get(f"/behovsinventering/{campaign.pk}/behov/?answered=no").context["page"].paginator.count == 2
    assert client.get(f"/behovsinventering/{campaign.pk}/").status_code == 403
    assert client.get(f"/behovsinventering/svar/{huddinge.pk}/").status_code == 404
    assert [c.pk for c in client.get("/behovsinventering/").context["campaigns"]] == [campaign.pk]


def test_the_summary_takes_the_same_number_of_queries_for_more_needs(client, region, campaign, themes,
                                                                     answered, django_assert_max_num_queries):
    client.force_login(region.samordnare)
    url = f"/behovsinventering/{campaign.pk}/sammanstallning/"
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as few:
        assert client.get(url).status_code == 200
    sodermalm = submission_of(campaign, region.sodermalm)
    services.reopen(sodermalm.pk, user=region.samordnare, reason="Fler")
    for n in range(20):
        make_item(sodermalm, region.cka_sodermalm, theme=themes["akk" if n % 2 else "bemotande"],
                  occupations=[make_occupation(f"yrke{n}", f"Yrke {n}", f"Job {n}")], title=f"Behov {n}")
    services.submit(sodermalm.pk, user=region.cka_sodermalm)
    with django_assert_max_num_queries(len(few.captured_queries)):
        assert client.get(url).status_code == 200
    with django_assert_max_num_queries(len(few.captured_queries)):
        client.get(f"/behovsinventering/{campaign.pk}/behov/")


def test_the_exports(client, region, campaign, answered):
    client.force_login(region.samordnare)
    response = client.get(f"/behovsinventering/{campaign.pk}/export.csv")
    rows = list(csv.reader(io.StringIO(body(response)), delimiter=";"))
    assert rows[0] == selectors.NATIONAL_COLUMNS
    by_org = {}
    for row in rows[1:]:
        record = dict(zip(rows[0], row, strict=True))
        by_org.setdefault(record["organisation"], []).append(record)
    assert set(by_org) == {"Huddinge", "Södermalm"}  # Täby's draft is not counted
    sodermalm = by_org["Södermalm"][0]
    assert (sodermalm["kommunkod"], sodermalm["kommun"], sodermalm["organisationstyp"]) == \
        ("0180", "Stockholm", "stadsdel")
    first = by_org["Huddinge"][0]
    assert (first["kommunkod"], first["ar"], first["yrkesroll_koder"], first["funktion"], first["niva"],
            first["antal_personal"], first["besvaras_av"]) == ("0126", "2027", "stodassistent", "utforare",
                                                               "grund", "40", "LSS grundkurs")

    response = client.get(f"/behovsinventering/{campaign.pk}/export.xlsx?drafts=on")
    workbook = load_workbook(io.BytesIO(response.content), read_only=True)
    assert workbook.sheetnames == ["Behov", "Tema per kommun", "Yrkesroller", "Inlämningar"]
    needs = list(workbook["Behov"].iter_rows(values_only=True))
    assert len(needs) == 5 and needs[0][0] == "Kommun/stadsdel"
    assert {r[0] for r in needs[1:]} == {"Huddinge", "Södermalm", "Täby"}
    status = {r[0]: r[2] for r in workbook["Inlämningar"].iter_rows(values_only=True)}
    assert status["Täby"] == "Draft" or status["Täby"] == "Utkast"
    assert client.get(f"/behovsinventering/{campaign.pk}/export.pdf").status_code == 404


def test_a_coordinator_of_another_consortium_sees_nothing(client, region, campaign):
    from larnav.core.testing import make_consortium

    other = make_user(make_consortium("Annan"), Role.SAMORDNARE)
    client.force_login(other)
    assert client.get(f"/behovsinventering/{campaign.pk}/").status_code == 404
    assert client.get(f"/behovsinventering/{campaign.pk}/sammanstallning/").status_code == 404
    assert client.get("/behovsinventering/").context["campaigns"] == []
