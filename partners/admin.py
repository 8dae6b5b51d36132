from __future__ import annotations

from django import forms
from django.contrib import admin, messages
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext
from simple_history.admin import SimpleHistoryAdmin

from .choices import Scope
from .models import Partner, PartnerMember, PartnerToken


class PartnerTokenInline(admin.TabularInline):
    model = PartnerToken
    extra = 0
    can_delete = False
    fields = ("prefix", "label", "scopes", "created_at", "expires_at", "revoked_at", "last_used_at")
    readonly_fields = fields
    show_change_link = True

    def has_add_permission(self, request, obj=None) -> bool:
        return False


class PartnerMemberInline(admin.TabularInline):
    """The people who belong to the organisation: logged in, they see what it is cleared for."""

    model = PartnerMember
    extra = 0
    fields = ("user", "added_at")
    readonly_fields = ("added_at",)
    autocomplete_fields = ("user",)


@admin.register(Partner)
class PartnerAdmin(admin.ModelAdmin):
    list_display = ("name", "actor", "is_active", "created_at")
    list_filter = ("is_active",)
    search_fields = ("name", "actor__name", "actor__acronym")
    autocomplete_fields = ("actor",)
    inlines = [PartnerMemberInline, PartnerTokenInline]


@admin.register(PartnerMember)
class PartnerMemberAdmin(SimpleHistoryAdmin):
    """Memberships with their history (who belonged where, and when)."""

    list_display = ("user", "partner", "added_at")
    list_filter = ("partner",)
    search_fields = ("user__username", "user__email", "partner__name")
    autocomplete_fields = ("user", "partner")


class PartnerTokenForm(forms.ModelForm):
    scopes = forms.MultipleChoiceField(
        choices=Scope.choices, widget=forms.CheckboxSelectMultiple, initial=[Scope.READ]
    )

    class Meta:
        model = PartnerToken
        fields = ("partner", "label", "scopes", "expires_at")


@admin.register(PartnerToken)
class PartnerTokenAdmin(admin.ModelAdmin):
    """Adding a token here shows its key once, in the confirmation message."""

    form = PartnerTokenForm
    list_display = ("prefix", "partner", "label", "scope_list", "expires_at", "revoked_at")
    list_filter = ("partner",)
    search_fields = ("prefix", "label", "partner__name")
    readonly_fields = ("prefix", "created_at", "revoked_at", "last_used_at")
    actions = ["revoke"]

    def get_fields(self, request, obj=None):
        if obj is None:
            return ("partner", "label", "scopes", "expires_at")
        return (
            "partner",
            "prefix",
            "label",
            "scopes",
            "expires_at",
            "created_at",
            "revoked_at",
            "last_used_at",
        )

    def get_readonly_fields(self, request, obj=None):
        return (*self.readonly_fields, "partner") if obj else ()

    def save_model(self, request, obj, form, change):
        if change:
            super().save_model(request, obj, form, change)
            return
        token, key = PartnerToken.issue(
            form.cleaned_data["partner"],
            form.cleaned_data["scopes"],
            label=form.cleaned_data.get("label", ""),
            expires_at=form.cleaned_data.get("expires_at"),
        )
        obj.pk = token.pk
        obj.refresh_from_db()
        messages.warning(
            request,
            _(
                "New token for %(partner)s: %(key)s — copy it now, it is not stored and will not "
                "be shown again."
            )
            % {"partner": token.partner, "key": key},
        )

    @admin.action(description=_("Revoke selected tokens"))
    def revoke(self, request, queryset):
        count = queryset.filter(revoked_at__isnull=True).update(revoked_at=timezone.now())
        self.message_user(
            request,
            ngettext("Revoked %(count)d token.", "Revoked %(count)d tokens.", count)
            % {"count": count},
        )
