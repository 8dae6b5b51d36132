"""The admin's Users with a role: a user manager (group *User manager*) adds a person and makes
them a desk officer (with the regions whose alert e-mails they receive), a reviewer or a partner
organisation's staff member, through ``services.onboarding`` as ``create_demo_login`` does.

A user manager sees and changes only people who are not superusers, and only their name, e-mail,
password, whether they are active and their role: never staff or superuser status, groups or
permissions, which stay with superusers.
"""

from __future__ import annotations

from django import forms
from django.contrib import admin
from django.contrib.auth import get_user_model
from django.contrib.auth.admin import UserAdmin
from django.contrib.auth.forms import AdminUserCreationForm, UserChangeForm
from django.core.exceptions import ValidationError
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from cases.choices import Region
from partners.models import Partner, PartnerMember

from .models import DeskAssignment
from .services.onboarding import Role, person_assign_role, role_of, validate_role

User = get_user_model()

ROLE_FIELDS = ("role", "regions", "partner")
ROLE_FIELDSET = (
    _("Role"),
    {
        "fields": ROLE_FIELDS,
        "description": _(
            "Desk officers edit the cases in the admin and receive the alert e-mails "
            "of their regions; reviewers read the admin and the dashboards; partner staff read "
            "the dashboards, cleared as their organisation."
        ),
    },
)


class RoleFormMixin(forms.Form):
    """The role fields of both user forms, checked as the service checks them."""

    role = forms.ChoiceField(choices=[("", _("No role")), *Role.choices], required=False)
    regions = forms.MultipleChoiceField(
        choices=Region.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("A desk officer receives the alert e-mails of these regions"),
    )
    partner = forms.ModelChoiceField(
        Partner.objects.filter(is_active=True),
        required=False,
        help_text=_("Partner staff see what this organisation is cleared for"),
    )

    def clean(self):
        cleaned = super().clean()
        try:
            validate_role(
                cleaned.get("role") or None, cleaned.get("regions") or [], cleaned.get("partner")
            )
        except ValidationError as error:
            for field, messages in error.message_dict.items():
                self.add_error(field, messages)
        return cleaned


class PersonCreationForm(RoleFormMixin, AdminUserCreationForm):
    class Meta(AdminUserCreationForm.Meta):
        model = User
        fields = ("username", "email")


class PersonChangeForm(RoleFormMixin, UserChangeForm):
    class Meta(UserChangeForm.Meta):
        model = User

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        user = self.instance
        if user.pk:
            self.initial.setdefault("role", role_of(user) or "")
            self.initial.setdefault(
                "regions",
                list(DeskAssignment.objects.filter(user=user).values_list("region", flat=True)),
            )
            membership = PartnerMember.objects.filter(user=user).first()
            if membership is not None:
                self.initial.setdefault("partner", membership.partner_id)


admin.site.unregister(User)


@admin.register(User)
class PersonAdmin(UserAdmin):
    add_form = PersonCreationForm
    form = PersonChangeForm
    add_fieldsets = (
        (None, {"fields": ("username", "email", "usable_password", "password1", "password2")}),
        ROLE_FIELDSET,
    )
    # What a user manager who is not a superuser changes.
    manager_fieldsets = (
        (None, {"fields": ("username", "password")}),
        (_("Personal info"), {"fields": ("first_name", "last_name", "email", "is_active")}),
        ROLE_FIELDSET,
    )

    def get_fieldsets(self, request: HttpRequest, obj=None):
        if obj is None:
            return self.add_fieldsets
        if request.user.is_superuser:
            return (*super().get_fieldsets(request, obj), ROLE_FIELDSET)
        return self.manager_fieldsets

    def get_queryset(self, request: HttpRequest):
        queryset = super().get_queryset(request)
        if not request.user.is_superuser:
            queryset = queryset.filter(is_superuser=False)
        return queryset

    def save_related(self, request: HttpRequest, form, formsets, change: bool) -> None:
        # After the form's own groups (a superuser's form has them): the role decides its group.
        super().save_related(request, form, formsets, change)
        person_assign_role(
            form.instance,
            role=form.cleaned_data.get("role") or None,
            regions=form.cleaned_data.get("regions") or [],
            partner=form.cleaned_data.get("partner"),
        )
