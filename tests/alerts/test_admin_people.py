"""A user manager adds people and gives them a role in the admin (issue 15): the same roles as
``create_demo_login``, nothing more (no staff or superuser status, groups or permissions)."""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group, Permission
from django.test import Client

from alerts.models import DeskAssignment
from cases.choices import Region
from cases.roles import DESK_OFFICER, REVIEWER, USER_MANAGER
from partners.models import PartnerMember
from tests.factories import DeskOfficerFactory, PartnerFactory, UserFactory

pytestmark = pytest.mark.django_db

PASSWORD = "correct-horse-battery-staple"


@pytest.fixture
def manager() -> Client:
    user = UserFactory(username="people", is_staff=True)
    user.groups.add(Group.objects.get(name=USER_MANAGER))
    client = Client()
    client.force_login(user)
    return client


def add_person(client: Client, **fields) -> object:
    data = {
        "username": "amina",
        "email": "amina@example.org",
        "usable_password": "true",
        "password1": "Sahel-Desk-2011!",
        "password2": "Sahel-Desk-2011!",
        "role": "",
        "partner": "",
        **fields,
    }
    return client.post("/admin/auth/user/add/", data)


def groups_of(username: str) -> list[str]:
    return sorted(
        get_user_model().objects.get(username=username).groups.values_list("name", flat=True)
    )


def test_the_user_manager_group_may_add_people_and_nothing_of_the_cases():
    group = Group.objects.get(name=USER_MANAGER)
    codenames = set(group.permissions.values_list("codename", flat=True))
    assert {"add_user", "change_user", "view_user"} <= codenames
    assert not group.permissions.filter(content_type__app_label="cases").exists()
    assert not Permission.objects.filter(
        group=group, codename__in=["add_group", "change_group"]
    ).exists()


def test_a_user_manager_adds_a_desk_officer_with_regions(manager):
    response = add_person(manager, role="desk", regions=["africa", "asia"])
    assert response.status_code == 302, response.content.decode()[:3000]
    user = get_user_model().objects.get(username="amina")
    assert user.is_staff and not user.is_superuser
    assert groups_of("amina") == [DESK_OFFICER]
    assert set(DeskAssignment.objects.filter(user=user).values_list("region", flat=True)) == {
        Region.AFRICA,
        Region.ASIA,
    }
    client = Client()
    assert client.login(username="amina", password="Sahel-Desk-2011!")
    assert client.get("/admin/cases/situation/add/").status_code == 200


def test_a_user_manager_adds_partner_staff(manager):
    partner = PartnerFactory(name="ECOWAS Early Warning")
    response = add_person(manager, role="partner", partner=partner.pk)
    assert response.status_code == 302
    user = get_user_model().objects.get(username="amina")
    assert not user.is_staff and groups_of("amina") == []
    assert PartnerMember.objects.get(user=user).partner == partner


def test_partner_staff_without_an_organisation_are_refused_and_nothing_is_written(manager):
    response = add_person(manager, role="partner", regions=["africa"])
    assert response.status_code == 200
    errors = response.context["adminform"].form.errors
    assert "partner" in errors and "regions" in errors
    assert not get_user_model().objects.filter(username="amina").exists()


def test_a_user_manager_changes_a_role_and_never_staff_or_superuser_status(manager):
    desk = DeskOfficerFactory(username="omar")
    DeskAssignment.objects.create(user=desk, region=Region.AFRICA)
    url = f"/admin/auth/user/{desk.pk}/change/"
    form = manager.get(url).context["adminform"].form
    assert form.initial["role"] == "desk" and form.initial["regions"] == [Region.AFRICA]
    assert not {"is_superuser", "is_staff", "groups", "user_permissions"} & set(form.fields)
    response = manager.post(
        url,
        {
            "username": "omar",
            "email": "omar@example.org",
            "is_active": "on",
            "role": "reviewer",
            "partner": "",
            # A forged field is ignored: it is not on the user manager's form.
            "is_superuser": "on",
        },
    )
    assert response.status_code == 302, response.content.decode()[:3000]
    desk.refresh_from_db()
    assert not desk.is_superuser and desk.is_staff
    assert groups_of("omar") == [REVIEWER]
    assert not DeskAssignment.objects.filter(user=desk).exists()


def test_a_user_manager_cannot_reach_a_superuser(manager):
    root = UserFactory(username="root", is_staff=True, is_superuser=True)
    assert manager.get(f"/admin/auth/user/{root.pk}/change/").status_code == 302  # "not found"
    assert manager.get(f"/admin/auth/user/{root.pk}/password/").status_code == 404
    assert "root" not in manager.get("/admin/auth/user/").content.decode()


def test_a_user_manager_lands_in_the_admin(manager):
    assert manager.get("/").headers["Location"] == "/admin/"
