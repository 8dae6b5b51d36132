"""People who belong to a partner organisation (``partners.PartnerMember``) see on the dashboards
exactly what the organisation is cleared for, through the one clearance function."""

from __future__ import annotations

import pytest
from django.urls import reverse

from cases.sharing import Clearance
from partners.clearance import clearance_for_user
from partners.models import PartnerMember
from tests.admin_forms import admin_form_data
from tests.factories import ActorFactory, PartnerFactory, UserFactory, partner_member

from .conftest import PASSWORD

pytestmark = pytest.mark.django_db


def status_of(client, slug: str) -> int:
    return client.get(f"/dashboard/situations/{slug}/").status_code


def test_a_member_gets_exactly_its_organisations_clearance(world, partner_user):
    assert clearance_for_user(partner_user) == Clearance.for_actors([world.partner.pk])


def test_a_member_sees_amber_shared_with_its_organisation_and_nothing_else(
    client, world, partner_user
):
    client.force_login(partner_user)
    assert status_of(client, "india") == 200  # AMBER, shared with the organisation
    assert status_of(client, "juliet") == 404  # AMBER+STRICT, shared with another one
    assert status_of(client, "hotel") == 404  # RED
    assert status_of(client, "alpha") == 200  # GREEN
    listing = client.get("/dashboard/situations/").content.decode()
    assert "India" in listing and "Juliet" not in listing and "Hotel" not in listing
    csv = client.get("/dashboard/export/situations.csv").content.decode()
    assert "India" in csv and "Juliet" not in csv and "Hotel" not in csv


def test_a_member_of_another_organisation_does_not_see_it(client, world):
    other = UserFactory(username="other-member", password=PASSWORD)
    partner_member(other, PartnerFactory(actor=ActorFactory(name="Unlisted organisation")))
    client.force_login(other)
    assert status_of(client, "india") == 404
    assert status_of(client, "alpha") == 200


def test_leaving_the_organisation_or_its_deactivation_ends_the_clearance(
    client, world, partner_user
):
    membership = PartnerMember.objects.get(user=partner_user)
    membership.partner.is_active = False
    membership.partner.save()
    client.force_login(partner_user)
    assert status_of(client, "india") == 404
    membership.partner.is_active = True
    membership.partner.save()
    assert status_of(client, "india") == 200
    membership.delete()
    assert status_of(client, "india") == 404
    # The history keeps who belonged where.
    kinds = list(
        PartnerMember.history.filter(user_id=partner_user.pk)
        .order_by("history_date")
        .values_list("history_type", flat=True)
    )
    assert kinds == ["+", "-"]


def test_desk_officers_keep_full_clearance_even_as_members(client, world, staff):
    partner_member(staff, PartnerFactory(actor=world.partner))
    assert clearance_for_user(staff).unrestricted
    client.force_login(staff)
    assert status_of(client, "hotel") == 200
    assert status_of(client, "juliet") == 200


def test_admin_adds_a_member_on_the_partner_page(admin_client, world):
    partner = PartnerFactory(actor=world.partner)
    person = UserFactory(username="new-member")
    url = reverse("admin:partners_partner_change", args=[partner.pk])
    page = admin_client.get(url)
    assert page.status_code == 200
    data = admin_form_data(page)
    prefix = next(k for k in data if k.endswith("-TOTAL_FORMS") and "members" in k)
    prefix = prefix.removesuffix("-TOTAL_FORMS")
    data[f"{prefix}-TOTAL_FORMS"] = "1"
    data[f"{prefix}-0-user"] = str(person.pk)
    data[f"{prefix}-0-partner"] = str(partner.pk)
    response = admin_client.post(url, data)
    assert response.status_code == 302, response.context and response.context["errors"]
    assert PartnerMember.objects.get(user=person).partner == partner
    # One organisation per person: a second membership is a form error, not a 500.
    second = PartnerFactory(name="Second organisation")
    url = reverse("admin:partners_partner_change", args=[second.pk])
    data = admin_form_data(admin_client.get(url))
    data[f"{prefix}-TOTAL_FORMS"] = "1"
    data[f"{prefix}-0-user"] = str(person.pk)
    data[f"{prefix}-0-partner"] = str(second.pk)
    response = admin_client.post(url, data)
    assert response.status_code == 200
    assert "already exists" in response.content.decode()
    assert PartnerMember.objects.get(user=person).partner == partner
