import re

import pytest
from django.core import mail

from larnav.accounts.models import Role, RoleAssignment, User

pytestmark = pytest.mark.django_db


def test_coordinator_creates_a_staff_account_that_gets_an_invitation(client, region, django_capture_on_commit_callbacks):
    client.force_login(region.samordnare)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post("/konto/anvandare/ny/", {"username": "ny-cka", "first_name": "Nora", "last_name": "Ek",
                                                         "email": "Nora.Ek@huddinge.se", "language": "sv"})
    assert response.status_code == 302
    user = User.objects.get(username="ny-cka")
    assert user.consortium == region.consortium and not user.has_usable_password()
    path = re.search(r"https?://[^/]+(/\S+)", mail.outbox[0].body).group(1)
    form_url = client.get(path, follow=True).redirect_chain[-1][0]
    client.post(form_url, {"new_password1": "ett-nytt-langt-losenord", "new_password2": "ett-nytt-langt-losenord"})
    user.refresh_from_db()
    assert user.check_password("ett-nytt-langt-losenord")


def test_taken_user_name_is_refused(client, region):
    client.force_login(region.samordnare)
    response = client.post("/konto/anvandare/ny/", {"username": "SAMORDNARE", "first_name": "X", "last_name": "Y",
                                                     "email": "x@y.se", "language": "sv"})
    assert "username" in response.context["form"].errors


def test_roles_are_added_with_valid_scope_and_removed_after_confirmation(client, region):
    client.force_login(region.samordnare)
    url = f"/konto/anvandare/{region.utbildare.pk}/"
    response = client.post(url, {"role": Role.CKA, "organisation": region.ringvagen.pk, "valid_from": "2026-01-01"})
    assert "organisation" in response.context["form"].errors
    response = client.post(url, {"role": Role.CKA, "organisation": region.taby.pk, "valid_from": "2026-01-01"})
    assert response.status_code == 302
    assignment = RoleAssignment.objects.get(user=region.utbildare, role=Role.CKA)
    remove_url = f"{url}roller/{assignment.pk}/ta-bort/"
    assert client.get(remove_url).status_code == 200
    assert RoleAssignment.objects.filter(pk=assignment.pk).exists()
    client.post(remove_url)
    assert not RoleAssignment.objects.filter(pk=assignment.pk).exists()


def test_only_coordinators_manage_users(client, region):
    client.force_login(region.cka_huddinge)
    assert client.get("/konto/anvandare/").status_code == 403
    assert client.get(f"/konto/anvandare/{region.utbildare.pk}/").status_code == 403
