"""People's accounts (issue 16): login attempts throttled and locked out on every login form, idle
sessions ending after hours rather than weeks, password rules enforced, and a login with an unsafe
``next`` landing on the person's home page instead of a 404."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from axes.models import AccessAttempt
from django.conf import settings
from django.contrib.auth import SESSION_KEY, get_user_model
from django.contrib.sessions.models import Session
from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import override_settings
from django.urls import reverse
from django.utils import timezone

from tests.admin_forms import admin_form_data
from tests.factories import (
    DeskOfficerFactory,
    PartnerFactory,
    ReviewerFactory,
    UserFactory,
    partner_member,
    partner_token,
)
from tracker.models import AccountSettings

pytestmark = pytest.mark.django_db

PASSWORD = "correct-horse-battery-staple"
LOGIN_FORMS = ["admin:login", "dashboards:login"]


def post_login(client, form: str, username: str, password: str, **extra):
    return client.post(reverse(form), {"username": username, "password": password, **extra})


def logged_in(client) -> bool:
    return SESSION_KEY in client.session


# --- Throttling and lockout ----------------------------------------------------------------


@pytest.mark.parametrize("form", LOGIN_FORMS)
def test_fifty_wrong_passwords_are_not_all_answered_with_the_form(client, form):
    DeskOfficerFactory(username="officer", password=PASSWORD)

    statuses = [post_login(client, form, "officer", f"wrong-{n}").status_code for n in range(50)]

    # The form comes back for the first few; then the login answers 429, whatever is sent.
    assert statuses.count(200) == settings.AXES_FAILURE_LIMIT - 1
    assert set(statuses[settings.AXES_FAILURE_LIMIT - 1 :]) == {429}


@pytest.mark.parametrize("form", LOGIN_FORMS)
def test_the_right_password_is_refused_during_the_lockout_and_accepted_after_it(client, form):
    DeskOfficerFactory(username="officer", password=PASSWORD)
    for n in range(settings.AXES_FAILURE_LIMIT):
        post_login(client, form, "officer", f"wrong-{n}")

    refused = post_login(client, form, "officer", PASSWORD)
    assert refused.status_code == 429
    assert "too many" in refused.content.decode().lower()
    assert not logged_in(client)

    # The cool-off passes: the right password works again.
    AccessAttempt.objects.update(attempt_time=timezone.now() - settings.AXES_COOLOFF_TIME)
    accepted = post_login(client, form, "officer", PASSWORD)
    assert accepted.status_code == 302
    assert logged_in(client)


def test_a_lockout_is_per_username_and_address(client):
    DeskOfficerFactory(username="officer", password=PASSWORD)
    DeskOfficerFactory(username="colleague", password=PASSWORD)
    for n in range(settings.AXES_FAILURE_LIMIT):
        post_login(client, "admin:login", "officer", f"wrong-{n}")

    # Another person at the same address still logs in; the locked name from elsewhere too.
    assert post_login(client, "admin:login", "colleague", PASSWORD).status_code == 302
    client.logout()
    elsewhere = client.post(
        reverse("admin:login"),
        {"username": "officer", "password": PASSWORD},
        REMOTE_ADDR="192.0.2.7",
    )
    assert elsewhere.status_code == 302


def test_a_successful_login_resets_the_count(client):
    DeskOfficerFactory(username="officer", password=PASSWORD)
    for n in range(settings.AXES_FAILURE_LIMIT - 1):
        post_login(client, "admin:login", "officer", f"wrong-{n}")
    assert post_login(client, "admin:login", "officer", PASSWORD).status_code == 302
    client.logout()

    for n in range(settings.AXES_FAILURE_LIMIT - 1):
        assert post_login(client, "admin:login", "officer", f"again-{n}").status_code == 200
    assert post_login(client, "admin:login", "officer", PASSWORD).status_code == 302


def test_the_api_token_is_unaffected_by_a_lockout_from_the_same_address(client):
    DeskOfficerFactory(username="officer", password=PASSWORD)
    for n in range(settings.AXES_FAILURE_LIMIT + 5):
        post_login(client, "admin:login", "officer", f"wrong-{n}")
    _, key = partner_token(PartnerFactory())

    for _ in range(20):
        response = client.get("/api/v1/me/", HTTP_AUTHORIZATION=f"Token {key}")
        assert response.status_code == 200
    # Wrong tokens are the API's business (401), never a lockout of the address.
    for n in range(20):
        assert client.get("/api/v1/me/", HTTP_AUTHORIZATION=f"Token wrong{n}").status_code == 401
    assert client.get("/api/v1/me/", HTTP_AUTHORIZATION=f"Token {key}").status_code == 200


# --- Sessions ------------------------------------------------------------------------------


def stored_session(client) -> Session:
    return Session.objects.get(session_key=client.cookies[settings.SESSION_COOKIE_NAME].value)


def hours_left(session: Session) -> float:
    return (session.expire_date - timezone.now()).total_seconds() / 3600


def test_a_session_lasts_eight_idle_hours_by_default(client):
    DeskOfficerFactory(username="officer", password=PASSWORD)
    response = post_login(client, "admin:login", "officer", PASSWORD)
    assert response.status_code == 302

    assert 7.9 < hours_left(stored_session(client)) <= 8
    assert 7.9 * 3600 < response.cookies[settings.SESSION_COOKIE_NAME]["max-age"] <= 8 * 3600


def test_activity_keeps_a_session_alive_and_idleness_ends_it(client):
    DeskOfficerFactory(username="officer", password=PASSWORD)
    post_login(client, "admin:login", "officer", PASSWORD)

    # Seven hours and fifty minutes idle: one request renews the eight hours.
    session = stored_session(client)
    store = client.session
    store["_idle_renewed_at"] = (timezone.now() - dt.timedelta(hours=7, minutes=50)).timestamp()
    store.save()
    Session.objects.filter(pk=session.pk).update(
        expire_date=timezone.now() + dt.timedelta(minutes=10)
    )
    assert client.get(reverse("admin:index")).status_code == 200
    assert hours_left(stored_session(client)) > 7.9

    # Eight hours with nothing: the session is over.
    Session.objects.filter(pk=session.pk).update(
        expire_date=timezone.now() - dt.timedelta(seconds=1)
    )
    response = client.get(reverse("admin:index"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("admin:login"))


def test_the_idle_timeout_is_edited_in_the_admin(client):
    admin_user = UserFactory(username="root", is_staff=True, is_superuser=True, password=PASSWORD)
    client.force_login(admin_user)
    url = reverse("admin:tracker_accountsettings_change", args=[1])
    data = admin_form_data(client.get(url))
    data["session_idle_hours"] = "1"
    assert client.post(url, data).status_code == 302
    assert AccountSettings.load().session_idle_hours == 1

    # A bad value is a form error, not a 500 and not saved.
    data["session_idle_hours"] = "0"
    refused = client.post(url, data)
    assert refused.status_code == 200
    assert refused.context["adminform"].form.errors["session_idle_hours"]
    assert AccountSettings.load().session_idle_hours == 1

    client.logout()
    DeskOfficerFactory(username="officer", password=PASSWORD)
    post_login(client, "admin:login", "officer", PASSWORD)
    assert 0.9 < hours_left(stored_session(client)) <= 1


# --- Passwords -----------------------------------------------------------------------------


@pytest.mark.parametrize("weak", ["password", "12345678", "short1!", "officer-one"])
def test_the_admin_refuses_a_weak_password_for_a_new_user(client, weak):
    admin_user = UserFactory(username="root", is_staff=True, is_superuser=True, password=PASSWORD)
    client.force_login(admin_user)
    response = client.post(
        reverse("admin:auth_user_add"),
        {
            "username": "officer-one",
            "usable_password": "true",
            "password1": weak,
            "password2": weak,
        },
    )
    assert response.status_code == 200
    assert response.context["adminform"].form.errors
    assert not get_user_model().objects.filter(username="officer-one").exists()


def test_the_admin_refuses_a_weak_password_change(client):
    admin_user = UserFactory(username="root", is_staff=True, is_superuser=True, password=PASSWORD)
    officer = DeskOfficerFactory(username="officer", password=PASSWORD)
    client.force_login(admin_user)
    url = reverse("admin:auth_user_password_change", args=[officer.pk])
    response = client.post(url, {"password1": "password", "password2": "password"})
    assert response.status_code == 200
    assert response.context["form"].errors
    officer.refresh_from_db()
    assert officer.check_password(PASSWORD)


@pytest.mark.parametrize("weak", ["password", "12345678", "desk"])
def test_create_demo_login_refuses_a_weak_password_in_one_line(weak):
    with pytest.raises(CommandError) as refused:
        call_command("create_demo_login", "--password", weak)
    assert "\n" not in str(refused.value)
    assert str(refused.value).startswith("password refused")
    assert not get_user_model().objects.filter(username="desk").exists()


# --- Where a login lands -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("factory", "home"),
    # Through the site's root (issue 15: desk officers and reviewers work from the overview).
    [(DeskOfficerFactory, "/dashboard/"), (ReviewerFactory, "/dashboard/")],
)
@pytest.mark.parametrize(
    "unsafe", ["https://evil.example/", "//evil.example/x", "javascript:alert(1)"]
)
def test_an_unsafe_next_lands_on_the_home_page_of_the_role(client, factory, home, unsafe):
    factory(username="person", password=PASSWORD)
    response = client.post(
        reverse("admin:login") + "?next=" + unsafe,
        {"username": "person", "password": PASSWORD, "next": unsafe},
        follow=True,
    )
    assert response.status_code == 200
    assert response.redirect_chain[-1][0] == home
    assert all("evil" not in url and "profile" not in url for url, _ in response.redirect_chain)


def test_a_partner_member_lands_on_the_dashboards(client):
    partner_member(UserFactory(username="member", password=PASSWORD))
    response = client.post(
        reverse("dashboards:login"),
        {"username": "member", "password": PASSWORD, "next": "https://evil.example/"},
        follow=True,
    )
    assert response.status_code == 200
    assert response.redirect_chain[-1][0] == "/dashboard/"


def test_a_safe_next_is_still_followed(client):
    DeskOfficerFactory(username="officer", password=PASSWORD)
    target = reverse("admin:cases_situation_changelist")
    response = post_login(client, "admin:login", "officer", PASSWORD, next=target)
    assert response.status_code == 302
    assert response["Location"] == target


def test_the_lockout_page_names_no_account_detail(client):
    DeskOfficerFactory(username="officer", password=PASSWORD)
    for n in range(settings.AXES_FAILURE_LIMIT):
        response = post_login(client, "admin:login", "officer", f"wrong-{n}")
    text = response.content.decode()
    assert response.status_code == 429
    assert not re.search(r"officer|wrong-", text)


@override_settings(AXES_CLIENT_IP_CALLABLE="tracker.authentication.client_address_behind_proxy")
def test_behind_the_tls_proxy_the_address_is_the_one_the_proxy_appended(client):
    """``BEHIND_TLS_PROXY``: every request comes from the proxy; the client's address is the last
    of ``X-Forwarded-For``, and what a client writes before it changes nothing."""
    DeskOfficerFactory(username="officer", password=PASSWORD)

    def login_from(forwarded: str, password: str):
        return client.post(
            reverse("admin:login"),
            {"username": "officer", "password": password},
            REMOTE_ADDR="10.0.0.2",
            HTTP_X_FORWARDED_FOR=forwarded,
        )

    for n in range(settings.AXES_FAILURE_LIMIT):
        login_from("203.0.113.5", f"wrong-{n}")
    assert login_from("203.0.113.5", PASSWORD).status_code == 429
    assert login_from("198.51.100.1, 203.0.113.5", PASSWORD).status_code == 429
    assert login_from("203.0.113.9", PASSWORD).status_code == 302
