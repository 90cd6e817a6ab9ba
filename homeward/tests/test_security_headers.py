from django.core.checks import Error
from django.urls import reverse

from homeward.apps import production_settings_check


def test_pages_carry_a_strict_content_security_policy_and_no_store(personas, as_user, open_case):
    case = open_case()
    response = as_user(personas.alice).get(reverse("cases:detail", kwargs={"code": case.code}))
    csp = response["Content-Security-Policy"]
    assert "default-src 'self'" in csp and "script-src 'self'" in csp
    assert "unsafe-inline" not in csp and "unsafe-eval" not in csp
    assert "frame-ancestors 'none'" in csp
    assert response["X-Frame-Options"] == "DENY"
    assert response["Referrer-Policy"] == "same-origin"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert "no-store" in response["Cache-Control"]


def test_templates_have_no_inline_script_or_style(personas, as_user, open_case):
    import re

    case = open_case()
    client = as_user(personas.alice)
    for url in [
        reverse("home"),
        reverse("cases:list"),
        reverse("cases:create"),
        reverse("cases:detail", kwargs={"code": case.code}),
    ]:
        body = client.get(url).content.decode()
        assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", body), url
        assert "<style" not in body and " style=" not in body, url
        assert " onclick=" not in body and " onchange=" not in body, url


def test_identifying_data_never_appears_in_urls(personas, as_user, open_case):
    open_case()
    body = as_user(personas.alice).get(reverse("cases:list")).content.decode()
    import re

    for href in re.findall(r'href="([^"]+)"', body):
        assert "Phonsavanh" not in href and "ພອນ" not in href


def test_system_checks_refuse_dangerous_production_settings(settings):
    settings.DEBUG = False
    settings.DEMO_MODE = False
    settings.SECRET_KEY = settings.DEFAULT_SECRET_KEY
    settings.ENFORCE_TWO_FACTOR = False
    ids = {e.id for e in production_settings_check() if isinstance(e, Error)}
    assert {"homeward.E001", "homeward.E002"} <= ids
    settings.DEMO_MODE = True
    settings.ALLOWED_HOSTS = ["homeward.example.org"]
    assert "homeward.E003" in {e.id for e in production_settings_check()}


def test_good_production_settings_pass_the_checks(settings):
    settings.DEBUG = False
    settings.DEMO_MODE = False
    settings.SECRET_KEY = "a-real-secret-key-of-sufficient-length-0123456789abcdef"
    settings.ENFORCE_TWO_FACTOR = True
    assert production_settings_check() == []


def test_environment_helpers_refuse_garbage():
    import pytest
    from django.core.exceptions import ImproperlyConfigured

    from homeward.env import env_bool, env_int

    with pytest.raises(ImproperlyConfigured):
        env_bool("X", environ={"X": "maybe"})
    with pytest.raises(ImproperlyConfigured):
        env_int("X", 5, environ={"X": "five"})
    with pytest.raises(ImproperlyConfigured):
        env_int("X", 5, minimum=1, environ={"X": "0"})
    assert env_int("X", 5, environ={}) == 5 and env_bool("X", environ={"X": "yes"}) is True


def test_error_pages_reveal_nothing(personas, as_user, settings):
    settings.DEBUG = False
    response = as_user(personas.alice).get("/no/such/page/")
    assert response.status_code == 404
    body = response.content.decode()
    assert "Traceback" not in body and "urlpatterns" not in body


def test_debug_on_a_public_host_is_refused(settings):
    settings.DEBUG = True
    settings.ALLOWED_HOSTS = ["homeward.example.org"]
    assert "homeward.E005" in {e.id for e in production_settings_check()}
    settings.ALLOWED_HOSTS = ["127.0.0.1", "localhost"]
    assert production_settings_check() == []


def test_a_forged_host_header_gets_400_not_500(client, db):
    response = client.get("/account/login/", HTTP_HOST="evil.example")
    assert response.status_code == 400
