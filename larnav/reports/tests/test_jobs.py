"""Requesting reports, building them in the background with progress, and who may fetch them."""

from datetime import date, timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils import timezone

from larnav.accounts.models import Role
from larnav.core.testing import make_consortium, make_user
from larnav.reports import builders, services
from larnav.reports.models import ReportJob
from larnav.reports.services import ReportRequest

pytestmark = pytest.mark.django_db
TODAY = date(2026, 9, 15)


def ask(user, **fields):
    fields.setdefault("kind", "tertial")
    fields.setdefault("year", 2026)
    if fields["kind"] == "tertial":
        fields.setdefault("tertial", 1)
    return services.request_report(user, user.consortium, ReportRequest(**fields), today=TODAY)


# --- Who may have which report ------------------------------------------------------------------

def test_anyone_with_statistics_rights_may_have_the_consortiums_reports_masked(region):
    for user in (region.samordnare, region.cka_taby, region.styrgrupp_taby):
        assert ask(user).masked
    for user in (region.cka_taby, region.styrgrupp_taby):
        with pytest.raises(PermissionDenied):
            ask(user, masked=False)
    assert not ask(region.samordnare, masked=False).masked


def test_participants_trainers_and_managers_may_have_no_report(region):
    for user in (region.deltagare, region.utbildare, region.chef_solgarden, region.ombud_tibble):
        with pytest.raises(PermissionDenied):
            ask(user)
    assert not ReportJob.objects.exists()


def test_a_municipalitys_report_is_for_those_who_see_it_in_detail(region):
    assert ask(region.cka_huddinge, kind="municipality", organisation=region.huddinge).organisation == region.huddinge
    assert ask(region.cka_sodermalm, kind="municipality", organisation=region.sodermalm).masked
    assert ask(region.samordnare, kind="municipality", organisation=region.taby)
    for user, org in [(region.cka_huddinge, region.taby), (region.cka_sodermalm, region.stockholm),
                      (region.styrgrupp_taby, region.huddinge)]:
        with pytest.raises(PermissionDenied):
            ask(user, kind="municipality", organisation=org)
    with pytest.raises(ValidationError) as exc:
        ask(region.samordnare, kind="municipality", organisation=region.taby, masked=False)
    assert "masked" in exc.value.message_dict
    with pytest.raises(ValidationError) as exc:
        ask(region.samordnare, kind="municipality", organisation=region.solgarden)
    assert "organisation" in exc.value.message_dict
    other = make_consortium("Annan")
    from larnav.core.testing import make_kommun

    with pytest.raises(ValidationError):
        ask(region.samordnare, kind="municipality", organisation=make_kommun(other, "Falun", "2080"))


def test_requests_are_checked_with_a_message_for_every_mistake(region):
    for fields, field in [
        ({"kind": "tertial", "tertial": None}, "tertial"),
        ({"kind": "year_end", "tertial": 2}, "tertial"),
        ({"kind": "municipality"}, "organisation"),
    ]:
        with pytest.raises(ValidationError) as exc:
            ask(region.samordnare, **fields)
        assert field in exc.value.message_dict
    with pytest.raises(ValidationError) as exc:
        ask(region.samordnare, kind="tertial", year=2027, tertial=1)
    assert "year" in exc.value.message_dict
    assert ask(region.samordnare, kind="tertial", tertial=3)  # T3 started on 1 September


# --- Building in the background -------------------------------------------------------------------

def test_a_requested_report_is_built_after_commit_with_its_files(region, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        job = ask(region.samordnare, kind="year_end", year=2025)
    job.refresh_from_db()
    assert (job.status, job.progress, job.error) == ("done", 100, "")
    assert bytes(job.pdf).startswith(b"%PDF") and bytes(job.xlsx).startswith(b"PK")
    assert job.title == "Bokslut 2025"
    assert job.started_at <= job.finished_at


def test_progress_is_written_while_the_report_is_built(region, monkeypatch):
    job = ask(region.samordnare)
    seen = []
    real_build = builders.build

    def build(job, progress):
        def spy(done, total, step=""):
            progress(done, total, step)
            seen.append(ReportJob.objects.values_list("status", "progress", "step").get(pk=job.pk))
        return real_build(job, progress=spy)

    monkeypatch.setattr(builders, "build", build)
    assert services.run_job(job.pk)
    assert all(status == "running" for status, _p, _s in seen)
    percents = [p for _s, p, _t in seen]
    assert percents == sorted(percents) and 0 < percents[0] < percents[-1] < 100
    assert all(step for _s, _p, step in seen)


def test_a_job_is_built_once_however_often_it_is_enqueued(region):
    job = ask(region.samordnare)
    assert services.run_job(job.pk) is True
    assert services.run_job(job.pk) is False
    assert services.run_job(10**9) is False  # a deleted job


def test_a_failure_is_recorded_on_the_job_and_it_can_be_built_again(region, monkeypatch,
                                                                   django_capture_on_commit_callbacks):
    job = ask(region.samordnare)

    def broken(job, progress=None):
        raise RuntimeError("database went away")

    monkeypatch.setattr(builders, "build", broken)
    assert services.run_job(job.pk) is False
    job.refresh_from_db()
    assert job.status == "failed" and "kunde inte byggas" in job.error and job.pdf is None
    assert "database went away" not in job.error
    monkeypatch.undo()
    with django_capture_on_commit_callbacks(execute=True):
        services.retry_job(job)
    job.refresh_from_db()
    assert job.status == "done"
    with pytest.raises(ValidationError):
        services.retry_job(job)


def test_the_sweep_fails_lost_jobs_requeues_waiting_ones_and_deletes_old_ones(region, settings,
                                                                              django_capture_on_commit_callbacks):
    now = timezone.now()
    lost, waiting, old, fresh = (ask(region.samordnare) for _ in range(4))
    ReportJob.objects.filter(pk=lost.pk).update(status="running", started_at=now - timedelta(hours=2))
    ReportJob.objects.filter(pk=waiting.pk).update(created_at=now - timedelta(minutes=30))
    ReportJob.objects.filter(pk=old.pk).update(status="done", created_at=now - timedelta(days=31))
    settings.LARNAV_REPORT_RETENTION_DAYS = 30
    with django_capture_on_commit_callbacks(execute=True):
        result = services.sweep(now)
    assert result == {"interrupted": 1, "requeued": 1, "deleted": 1}
    statuses = dict(ReportJob.objects.values_list("pk", "status"))
    assert statuses == {lost.pk: "failed", waiting.pk: "done", fresh.pk: "queued"}


# --- Pages and downloads --------------------------------------------------------------------------

@pytest.fixture
def built(region, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        job = ask(region.cka_huddinge, kind="municipality", organisation=region.huddinge)
    return job


def test_downloads_are_for_the_requester_and_the_coordinators_only(client, region, built):
    for user in (region.cka_huddinge, region.samordnare):
        client.force_login(user)
        pdf = client.get(reverse("reports:pdf", args=[built.pk]))
        assert pdf.status_code == 200 and pdf["Content-Type"] == "application/pdf"
        assert pdf.content.startswith(b"%PDF")
        assert 'filename="rapport-for-huddinge-2026.pdf"' in pdf["Content-Disposition"]
        assert "no-store" in pdf["Cache-Control"]
        xlsx = client.get(reverse("reports:xlsx", args=[built.pk]))
        assert xlsx.status_code == 200 and xlsx.content.startswith(b"PK")
    other_cka = make_user(region.consortium, Role.CKA, region.huddinge, username="cka-huddinge-2")
    for user in (region.cka_taby, region.styrgrupp_taby, other_cka):
        client.force_login(user)
        for name in ("reports:pdf", "reports:xlsx", "reports:job", "reports:status", "reports:delete"):
            assert client.get(reverse(name, args=[built.pk])).status_code == 404, (user, name)
    client.force_login(region.deltagare)
    assert client.get(reverse("reports:pdf", args=[built.pk])).status_code == 403
    client.logout()
    assert client.get(reverse("reports:pdf", args=[built.pk])).status_code == 302


def test_the_list_shows_own_reports_and_the_coordinator_sees_all(client, region, built):
    ask(region.cka_taby)
    client.force_login(region.cka_taby)
    page = client.get(reverse("reports:index")).content.decode()
    assert "Tertialrapport T1 2026" in page and "Rapport för Huddinge" not in page
    client.force_login(region.samordnare)
    page = client.get(reverse("reports:index")).content.decode()
    assert "Tertialrapport T1 2026" in page and "Rapport för Huddinge" in page


def test_ordering_a_report_from_the_page(client, region, django_capture_on_commit_callbacks):
    client.force_login(region.cka_huddinge)
    form = client.get(reverse("reports:index")).context["form"]
    assert "masked" not in form.fields  # a CKA cannot unmask
    assert [o.pk for o in form.fields["organisation"].queryset] == [region.huddinge.pk]
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("reports:index"), {"kind": "tertial", "year": "2026", "tertial": "1"})
    job = ReportJob.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse("reports:job", args=[job.pk])
    page = client.get(response["Location"]).content.decode()
    assert reverse("reports:pdf", args=[job.pk]) in page
    bad = client.post(reverse("reports:index"), {"kind": "tertial", "year": "2026", "tertial": ""})
    assert bad.status_code == 200 and bad.context["form"].errors["tertial"]
    refused = client.post(reverse("reports:index"), {"kind": "municipality", "year": "2026",
                                                     "organisation": region.taby.pk})
    assert refused.status_code == 200 and refused.context["form"].errors["organisation"]
    assert ReportJob.objects.count() == 1


def test_a_report_being_built_shows_its_progress(client, region):
    job = ask(region.samordnare)
    ReportJob.objects.filter(pk=job.pk).update(status="running", progress=40, step="Räknar deltagare")
    client.force_login(region.samordnare)
    page = client.get(reverse("reports:job", args=[job.pk])).content.decode()
    assert '<progress max="100" value="40"' in page and "reports/progress.js" in page
    assert reverse("reports:pdf", args=[job.pk]) not in page
    status = client.get(reverse("reports:status", args=[job.pk])).json()
    assert status == {"status": "running", "status_label": "Byggs", "progress": 40, "step": "Räknar deltagare",
                      "finished": False}
    assert client.get(reverse("reports:pdf", args=[job.pk])).status_code == 404


def test_deleting_a_report_asks_first(client, region, built):
    client.force_login(region.cka_huddinge)
    assert client.get(reverse("reports:delete", args=[built.pk])).status_code == 200
    assert ReportJob.objects.filter(pk=built.pk).exists()
    assert client.post(reverse("reports:delete", args=[built.pk])).status_code == 302
    assert not ReportJob.objects.filter(pk=built.pk).exists()
