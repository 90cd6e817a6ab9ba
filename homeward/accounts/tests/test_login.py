import time

import pytest
from django.conf import settings as django_settings
from django.urls import reverse
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice

from homeward.audit.models import AuditEvent
from homeward.conftest import PASSWORD, sign_in


def login(client, username, password=PASSWORD):
    return client.post(reverse("accounts:login"), {"username": username, "password": password})


def totp_now(device):
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    totp.time = time.time()
    return str(totp.token()).zfill(device.digits)


def test_passwords_are_hashed_with_argon2_in_production_settings():
    import homeward.settings as production

    assert production.PASSWORD_HASHERS[0] == "django.contrib.auth.hashers.Argon2PasswordHasher"
    from django.contrib.auth.hashers import Argon2PasswordHasher

    assert (
        Argon2PasswordHasher().encode("x" * 12, Argon2PasswordHasher().salt()).startswith("argon2$argon2id$")
    )


def test_short_and_common_passwords_are_refused():
    from django.contrib.auth.password_validation import validate_password
    from django.core.exceptions import ValidationError

    for weak in ["short-pass", "password1234", "123456789012"]:
        with pytest.raises(ValidationError):
            validate_password(weak)


def test_wrong_username_and_wrong_password_get_the_same_answer(personas, client):
    a = login(client, "alice", "wrong password here")
    b = login(client, "nobody-at-all", "wrong password here")
    assert a.status_code == b.status_code == 200
    assert "The username or password is not right" in a.content.decode()
    assert a.content.decode().count("not right") == b.content.decode().count("not right")
    assert AuditEvent.objects.filter(action="login_failed").count() == 2


def test_five_failures_lock_the_account_even_with_the_right_password(personas, client):
    for _ in range(5):
        login(client, "alice", "wrong password here")
    response = login(client, "alice")
    assert response.status_code == 429
    assert "locked" in response.content.decode()
    assert "_auth_user_id" not in client.session


def test_a_caseworker_must_set_up_two_factor_before_seeing_anything(personas, client):
    response = login(client, "alice")
    assert response.status_code == 302
    home = client.get(reverse("home"))
    assert home.status_code == 302 and home["Location"] == reverse("accounts:two_factor_setup")
    assert client.get(reverse("cases:list")).status_code == 302


def test_setting_up_two_factor_gives_recovery_codes_and_then_access(personas, client):
    login(client, "alice")
    page = client.get(reverse("accounts:two_factor_setup"))
    assert page.status_code == 200 and "data:image/svg+xml;base64," in page.content.decode()
    device = TOTPDevice.objects.get(user=personas.alice, confirmed=False)
    wrong = client.post(
        reverse("accounts:two_factor_setup"),
        {"token": "000000" if totp_now(device) != "000000" else "111111"},
    )
    assert "not right" in wrong.content.decode()
    response = client.post(reverse("accounts:two_factor_setup"), {"token": totp_now(device)})
    assert response["Location"] == reverse("accounts:recovery_codes")
    codes_page = client.get(reverse("accounts:recovery_codes")).content.decode()
    assert codes_page.count("<li><code>") == 10
    assert client.get(reverse("home")).status_code == 200


def test_next_sign_in_asks_for_the_code_and_accepts_a_recovery_code_once(personas, client):
    from homeward.accounts.services import recovery_codes_reset

    TOTPDevice.objects.create(user=personas.alice, name="app", confirmed=True)
    codes = recovery_codes_reset(user=personas.alice)
    login(client, "alice")
    assert client.get(reverse("home"))["Location"] == reverse("accounts:two_factor_verify")
    assert client.post(reverse("accounts:two_factor_verify"), {"token": "nothing-like"}).status_code == 200
    response = client.post(reverse("accounts:two_factor_verify"), {"token": codes[0]})
    assert response.status_code == 302
    assert client.get(reverse("home")).status_code == 200
    client.post(reverse("accounts:logout"))
    login(client, "alice")
    client.post(reverse("accounts:two_factor_verify"), {"token": codes[0]})
    assert client.get(reverse("home"))["Location"] == reverse("accounts:two_factor_verify")


def test_a_researcher_signs_in_without_a_second_factor(personas, client):
    login(client, "rita")
    assert client.get(reverse("home")).status_code == 200


def test_demo_mode_relaxes_the_requirement(personas, client, settings):
    settings.ENFORCE_TWO_FACTOR = False
    login(client, "alice")
    assert client.get(reverse("home")).status_code == 200


def test_sessions_expire_when_idle_and_after_an_absolute_limit(personas, client):
    assert django_settings.SESSION_COOKIE_AGE == 30 * 60
    assert django_settings.SESSION_SAVE_EVERY_REQUEST is True
    sign_in(client, personas.alice)
    assert client.get(reverse("home")).status_code == 200
    session = client.session
    session["hw_started"] = int(time.time()) - django_settings.SESSION_ABSOLUTE_SECONDS - 1
    session.save()
    response = client.get(reverse("home"))
    assert response.status_code == 302 and reverse("accounts:login") in response["Location"]
    assert client.get(reverse("home")).status_code == 302


def test_login_gives_a_new_session_id_and_logout_ends_it_on_the_server(personas, client):
    from django.contrib.sessions.models import Session

    client.get(reverse("accounts:login"))
    client.cookies["sessionid"] = "attacker-chosen-session-id"
    login(client, "rita")
    key = client.cookies["sessionid"].value
    assert key != "attacker-chosen-session-id"
    assert Session.objects.filter(session_key=key).exists()
    client.post(reverse("accounts:logout"))
    assert not Session.objects.filter(session_key=key).exists()


def test_logout_needs_a_post(personas, client):
    sign_in(client, personas.alice)
    assert client.get(reverse("accounts:logout")).status_code == 405


def test_behind_a_proxy_lockout_and_audit_see_the_real_client_address(personas, client, settings):
    from axes.models import AccessAttempt

    settings.AXES_IPWARE_META_PRECEDENCE_ORDER = ("HTTP_X_REAL_IP",)  # HOMEWARD_CLIENT_IP_HEADER=X-Real-IP
    for _ in range(5):
        # the proxy overwrites X-Real-IP; a forged X-Forwarded-For changes nothing
        client.post(
            reverse("accounts:login"),
            {"username": "rita", "password": "wrong password here"},
            REMOTE_ADDR="10.0.0.1",
            HTTP_X_REAL_IP="203.0.113.7",
            HTTP_X_FORWARDED_FOR="192.0.2.1",
        )
    assert set(AccessAttempt.objects.values_list("ip_address", flat=True)) == {"203.0.113.7"}
    assert AuditEvent.objects.filter(action="login_failed", ip="203.0.113.7").count() == 5
    locked = client.post(
        reverse("accounts:login"),
        {"username": "rita", "password": PASSWORD},
        REMOTE_ADDR="10.0.0.1",
        HTTP_X_REAL_IP="203.0.113.7",
    )
    assert locked.status_code == 429


def test_a_user_sees_their_sessions_and_ends_the_others(personas):
    from django.test import Client

    from homeward.accounts.models import UserSession

    phone, laptop = Client(HTTP_USER_AGENT="Phone browser"), Client(HTTP_USER_AGENT="Laptop browser")
    for c in (phone, laptop):
        login(c, "rita")
        assert c.get(reverse("home")).status_code == 200
    page = laptop.get(reverse("accounts:security")).content.decode()
    assert "Phone browser" in page and "Laptop browser" in page and "This session" in page
    phone_row = UserSession.objects.get(user_agent="Phone browser")
    response = laptop.post(reverse("accounts:session_end", kwargs={"code": phone_row.code}))
    assert response.status_code == 302
    assert phone.get(reverse("home")).status_code == 302  # the phone is signed out
    assert laptop.get(reverse("home")).status_code == 200  # the laptop is not
    assert AuditEvent.objects.filter(action="security", fields__icontains="sessions").exists()


def test_sign_out_everywhere_else_keeps_this_session(personas):
    from django.test import Client

    others = [Client() for _ in range(2)]
    here = Client()
    for c in [*others, here]:
        login(c, "rita")
        c.get(reverse("home"))
    response = here.post(reverse("accounts:sessions_end_others"), follow=True)
    assert "2 other sessions have been ended" in response.content.decode()
    assert all(c.get(reverse("home")).status_code == 302 for c in others)
    assert here.get(reverse("home")).status_code == 200


def test_nobody_ends_someone_elses_session(personas):
    from django.test import Client

    from homeward.accounts.models import UserSession

    victim, attacker = Client(), Client()
    login(victim, "rita")
    victim.get(reverse("home"))
    login(attacker, "nora")
    row = UserSession.objects.get(user=personas.rita)
    assert attacker.post(reverse("accounts:session_end", kwargs={"code": row.code})).status_code == 404
    assert victim.get(reverse("home")).status_code == 200
