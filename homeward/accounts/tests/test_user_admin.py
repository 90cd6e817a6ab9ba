import time

import pytest
from django.urls import reverse

from homeward.accounts.capabilities import Role
from homeward.accounts.models import Membership, User
from homeward.audit.models import AuditEvent


def invite_url(org):
    return reverse("accounts:user_invite", kwargs={"code": org.code})


def test_an_org_admin_adds_a_user_to_their_own_organisation(personas, as_user):
    client = as_user(personas.olga)
    response = client.post(
        invite_url(personas.org_a),
        {
            "username": "carla",
            "display_name": "Carla Caseworker",
            "email": "",
            "roles": [Role.CASEWORKER],
        },
    )
    assert response.status_code == 200
    assert "/account/set-password/" in response.content.decode()
    carla = User.objects.get(username="carla")
    assert not carla.has_usable_password()
    assert list(carla.memberships.values_list("organisation_id", "role")) == [
        (personas.org_a.id, Role.CASEWORKER)
    ]
    assert AuditEvent.objects.filter(action="create", object_type="user", actor=personas.olga).exists()


def test_the_password_link_lets_the_new_user_choose_a_password_once(personas, as_user, client):
    from homeward.accounts.services import user_invite

    user, link = user_invite(
        actor=personas.olga,
        organisation=personas.org_a,
        username="carla",
        display_name="Carla",
        email="",
        roles=[Role.CASEWORKER],
    )
    form_page = client.get(link, follow=True)
    assert form_page.status_code == 200
    post_to = form_page.redirect_chain[-1][0] if form_page.redirect_chain else link
    response = client.post(
        post_to, {"new_password1": "river lantern orchid 77", "new_password2": "river lantern orchid 77"}
    )
    assert response.status_code == 302
    user.refresh_from_db()
    assert user.check_password("river lantern orchid 77")
    again = client.get(link, follow=True)
    assert "no longer works" in again.content.decode()


def test_an_org_admin_cannot_give_cross_organisation_roles(personas, as_user):
    client = as_user(personas.olga)
    response = client.post(
        invite_url(personas.org_a),
        {
            "username": "eve",
            "display_name": "Eve",
            "roles": [Role.RESEARCHER],
        },
    )
    assert response.status_code == 200
    assert not User.objects.filter(username="eve").exists()


def test_an_org_admin_cannot_manage_another_organisation(personas, as_user):
    client = as_user(personas.olga)
    assert client.get(invite_url(personas.org_b)).status_code == 404
    assert (
        client.get(reverse("accounts:organisation", kwargs={"code": personas.org_b.code})).status_code == 404
    )
    url = reverse("accounts:user_edit", kwargs={"code": personas.org_a.code, "user_code": personas.bob.code})
    assert client.get(url).status_code == 404


def test_roles_change_only_in_the_admins_organisation(personas, as_user):
    Membership.objects.create(user=personas.alice, organisation=personas.org_b, role=Role.CASEWORKER)
    client = as_user(personas.olga)
    url = reverse(
        "accounts:user_edit", kwargs={"code": personas.org_a.code, "user_code": personas.alice.code}
    )
    response = client.post(url, {"roles": [Role.SUPERVISOR], "is_active": "on"})
    assert response.status_code == 302
    roles = set(personas.alice.memberships.values_list("organisation_id", "role"))
    assert roles == {(personas.org_a.id, Role.SUPERVISOR), (personas.org_b.id, Role.CASEWORKER)}


def test_an_org_admin_can_suspend_a_user_of_their_organisation(personas, as_user):
    client = as_user(personas.olga)
    url = reverse("accounts:user_edit", kwargs={"code": personas.org_a.code, "user_code": personas.tina.code})
    client.post(url, {"roles": [Role.TRANSIT_STAFF]})
    personas.tina.refresh_from_db()
    assert personas.tina.is_active is False


def test_other_roles_cannot_manage_users(personas, as_user):
    for user in (personas.alice, personas.sam, personas.dora, personas.rita):
        client = as_user(user)
        assert client.get(invite_url(personas.org_a)).status_code == 404


def test_admin_actions_ask_for_the_password_again_after_15_minutes(personas, as_user):
    client = as_user(personas.olga)
    session = client.session
    session["hw_reauth_at"] = int(time.time()) - 16 * 60
    session.save()
    response = client.get(invite_url(personas.org_a))
    assert response.status_code == 302 and response["Location"].startswith(reverse("accounts:reauth"))
    bad = client.post(reverse("accounts:reauth"), {"password": "not it at all"})
    assert "not right" in bad.content.decode()
    from homeward.conftest import PASSWORD

    ok = client.post(reverse("accounts:reauth"), {"password": PASSWORD, "next": invite_url(personas.org_a)})
    assert ok["Location"] == invite_url(personas.org_a)
    assert client.get(invite_url(personas.org_a)).status_code == 200


def test_reauth_refuses_to_redirect_off_site(personas, as_user):
    from homeward.conftest import PASSWORD

    client = as_user(personas.olga)
    response = client.post(
        reverse("accounts:reauth"), {"password": PASSWORD, "next": "https://evil.example/"}
    )
    assert response["Location"] == reverse("home")


@pytest.mark.parametrize("field", ["name", "short_name", "street"])
def test_organisation_details_refuse_markup(personas, as_user, field):
    client = as_user(personas.olga)
    url = reverse("accounts:organisation_edit", kwargs={"code": personas.org_a.code})
    data = {"name": personas.org_a.name, "type": personas.org_a.type, field: "<script>alert(1)</script>"}
    response = client.post(url, data)
    assert response.status_code == 200
    personas.org_a.refresh_from_db()
    assert "<script>" not in getattr(personas.org_a, field)


def test_only_a_platform_admin_creates_organisations(personas, as_user):
    client = as_user(personas.olga)
    assert client.get(reverse("accounts:organisation_create")).status_code == 404
    admin = User.objects.create_superuser("root", password="root password 1234")
    client = as_user(admin)
    response = client.post(reverse("accounts:organisation_create"), {"name": "New NGO", "type": "NGO"})
    assert response.status_code == 302


def test_repeated_wrong_passwords_at_reauth_end_the_session(personas, as_user):
    client = as_user(personas.olga)
    for _ in range(4):
        assert client.post(reverse("accounts:reauth"), {"password": "not it at all"}).status_code == 200
    response = client.post(reverse("accounts:reauth"), {"password": "not it at all"})
    assert response.status_code == 302 and response["Location"] == reverse("accounts:login")
    assert client.get(reverse("home")).status_code == 302


def test_an_org_admin_cannot_reset_a_platform_administrators_second_factor(personas, as_user):
    from django_otp.plugins.otp_totp.models import TOTPDevice

    root = User.objects.create_superuser("root2", password="root password 1234")
    Membership.objects.create(user=root, organisation=personas.org_a, role=Role.CASEWORKER)
    TOTPDevice.objects.create(user=root, name="app", confirmed=True)
    url = reverse(
        "accounts:user_reset_two_factor", kwargs={"code": personas.org_a.code, "user_code": root.code}
    )
    assert as_user(personas.olga).post(url).status_code == 404
    assert TOTPDevice.objects.filter(user=root).exists()


def test_five_failures_from_one_address_lock_that_address_for_every_account(personas, client):
    from homeward.conftest import PASSWORD

    for name in ["alice", "sam", "tina", "dora", "bob"]:
        client.post(
            reverse("accounts:login"),
            {"username": name, "password": "wrong password here"},
            REMOTE_ADDR="198.51.100.20",
        )
    blocked = client.post(
        reverse("accounts:login"), {"username": "rita", "password": PASSWORD}, REMOTE_ADDR="198.51.100.20"
    )
    assert blocked.status_code == 429
    elsewhere = client.post(
        reverse("accounts:login"), {"username": "rita", "password": PASSWORD}, REMOTE_ADDR="198.51.100.21"
    )
    assert elsewhere.status_code == 302
