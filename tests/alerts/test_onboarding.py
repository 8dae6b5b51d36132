"""Every role onboarded by one command: ``create_demo_login --role desk|reviewer|partner``
(issue 15). The demo desk officer is assigned the regions of the situations recorded, so the
first run's alert e-mails reach someone ("No desk officer is assigned to Africa" 20 times)."""

from __future__ import annotations

from io import StringIO

import pytest
from django.contrib.auth import get_user_model
from django.core import mail
from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import Client

from alerts.choices import Channel, DeliveryStatus
from alerts.models import DeskAssignment
from alerts.services import deliver
from cases.choices import Region, SharingLevel
from cases.roles import DESK_OFFICER, REVIEWER
from partners.models import Partner, PartnerMember
from tests.factories import ActorFactory, SituationFactory

from .test_notifications import raise_critical_alert

pytestmark = pytest.mark.django_db

PASSWORD = "Guinea-2010!"


def demo_login(*args: str) -> str:
    out = StringIO()
    call_command("create_demo_login", *args, "--password", PASSWORD, stdout=out)
    return out.getvalue()


def regions_of(username: str) -> set[str]:
    return set(
        DeskAssignment.objects.filter(user__username=username).values_list("region", flat=True)
    )


def logged_in(username: str) -> Client:
    client = Client()
    assert client.login(username=username, password=PASSWORD)
    return client


# --- desk (the default) --------------------------------------------------------------------------


def test_the_demo_desk_officer_is_assigned_the_regions_of_the_situations_recorded():
    SituationFactory(region=Region.AFRICA)
    SituationFactory(region=Region.ASIA)
    output = demo_login()
    assert regions_of("desk") == {Region.AFRICA, Region.ASIA}
    assert "Alert e-mails for: Africa, Asia" in output
    # Again: nothing doubles, nothing is lost.
    demo_login()
    assert DeskAssignment.objects.filter(user__username="desk").count() == 2


def test_the_demo_desk_officer_receives_the_alert_e_mails_of_its_regions():
    situation = SituationFactory(region=Region.AFRICA, sharing=SharingLevel.AMBER)
    demo_login()
    alert, _ = raise_critical_alert(situation)
    email = alert.notifications.get(channel=Channel.EMAIL)
    assert deliver(email.pk).status == DeliveryStatus.DELIVERED
    assert mail.outbox[0].to == ["desk@example.org"]


def test_a_desk_officer_is_given_the_regions_named():
    output = demo_login("--username", "asia-desk", "--region", "asia,Europe", "--region", "asia")
    assert regions_of("asia-desk") == {Region.ASIA, Region.EUROPE}
    assert "Alert e-mails for: Asia, Europe" in output
    demo_login("--username", "asia-desk", "--region", "europe")
    assert regions_of("asia-desk") == {Region.EUROPE}


def test_an_unknown_region_is_refused_in_one_line_and_nothing_is_written():
    with pytest.raises(CommandError, match=r"^unknown region atlantis: give one of africa,"):
        demo_login("--region", "atlantis")
    assert not get_user_model().objects.filter(username="desk").exists()


# --- reviewer --------------------------------------------------------------------------------------


def test_a_reviewer_reads_the_dashboards_and_the_admin_but_changes_nothing():
    SituationFactory(region=Region.AFRICA, slug="guinea")
    output = demo_login("--role", "reviewer")
    assert "Demo login (created, group Reviewer)" in output
    assert "URL:      http://127.0.0.1:8000/dashboard/login/" in output
    assert "Username: reviewer" in output
    user = get_user_model().objects.get(username="reviewer")
    assert user.is_staff and not user.is_superuser
    assert list(user.groups.values_list("name", flat=True)) == [REVIEWER]
    assert regions_of("reviewer") == set()
    client = logged_in("reviewer")
    assert client.get("/").headers["Location"] == "/dashboard/"
    assert client.get("/dashboard/situations/guinea/").status_code == 200
    assert client.get("/admin/cases/situation/").status_code == 200
    assert client.get("/admin/cases/situation/add/").status_code == 403


def test_regions_are_only_for_a_desk_officer():
    with pytest.raises(CommandError, match=r"^--region is for a desk officer"):
        demo_login("--role", "reviewer", "--region", "africa")


# --- partner staff ---------------------------------------------------------------------------------


def test_partner_staff_are_members_of_their_organisation_and_see_what_it_is_cleared_for():
    ecowas = ActorFactory(name="Economic Community of West African States", acronym="ECOWAS")
    SituationFactory(slug="shared", sharing=SharingLevel.AMBER, shared_with=[ecowas])
    SituationFactory(slug="not-shared", sharing=SharingLevel.AMBER)
    output = demo_login("--role", "partner", "--partner", "ECOWAS")
    assert "partner staff of Economic Community of West African States" in output
    assert "URL:      http://127.0.0.1:8000/dashboard/login/" in output
    user = get_user_model().objects.get(username="partner")
    assert not user.is_staff and not user.groups.exists()
    membership = PartnerMember.objects.get(user=user)
    assert membership.partner.actor == ecowas
    client = logged_in("partner")
    assert client.get("/").headers["Location"] == "/dashboard/"
    assert client.get("/dashboard/situations/shared/").status_code == 200
    assert client.get("/dashboard/situations/not-shared/").status_code == 404
    # Again, by the partner's name this time: the same organisation, no second partner.
    demo_login("--role", "partner", "--partner", "Economic Community of West African States")
    assert Partner.objects.count() == 1


def test_partner_staff_need_a_known_organisation():
    with pytest.raises(CommandError, match=r"^--role partner needs --partner"):
        demo_login("--role", "partner")
    with pytest.raises(CommandError, match=r"no partner organisation or actor is called 'Nobody'"):
        demo_login("--role", "partner", "--partner", "Nobody")
    assert not get_user_model().objects.filter(username="partner").exists()


# --- changing a role -------------------------------------------------------------------------------


def test_a_new_role_replaces_the_old_one():
    SituationFactory(region=Region.AFRICA)
    demo_login("--username", "amina")
    assert regions_of("amina") == {Region.AFRICA}
    demo_login("--username", "amina", "--role", "reviewer")
    user = get_user_model().objects.get(username="amina")
    assert list(user.groups.values_list("name", flat=True)) == [REVIEWER]
    assert regions_of("amina") == set()
    ActorFactory(acronym="AU", name="African Union")
    demo_login("--username", "amina", "--role", "partner", "--partner", "AU")
    user.refresh_from_db()
    assert not user.is_staff and not user.groups.exists()
    demo_login("--username", "amina")
    user.refresh_from_db()
    assert user.is_staff and list(user.groups.values_list("name", flat=True)) == [DESK_OFFICER]
    assert not PartnerMember.objects.filter(user=user).exists()


def test_a_refused_password_leaves_no_partner_organisation_behind():
    ActorFactory(acronym="IGAD", name="Intergovernmental Authority on Development")
    out = StringIO()
    with pytest.raises(CommandError, match=r"^password refused: "):
        call_command(
            "create_demo_login",
            "--role",
            "partner",
            "--partner",
            "IGAD",
            "--password",
            "password",
            stdout=out,
        )
    assert not Partner.objects.exists()
    assert not get_user_model().objects.filter(username="partner").exists()
