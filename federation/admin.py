"""Sync sources (the token write-only, as webhook secrets are) and conflicts to settle."""

from __future__ import annotations

import json

from django import forms
from django.contrib import admin, messages
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from .apply import settle
from .models import ConflictStatus, SyncConflict, SyncSource


class SyncSourceForm(forms.ModelForm):
    url = forms.URLField(
        assume_scheme="https", help_text=SyncSource._meta.get_field("url").help_text
    )
    # Never sent back to the browser: whoever reads it reads the other tracker as us.
    token = forms.CharField(
        required=False,
        widget=forms.PasswordInput(render_value=False),
        help_text=_(
            "A read token the other tracker issued to us. Write-only: left empty, the "
            "stored one is kept."
        ),
    )

    class Meta:
        model = SyncSource
        fields = ["url", "token", "partner", "interval", "is_active"]

    def clean_token(self):
        token = self.cleaned_data.get("token", "")
        if not token and self.instance.pk is None:
            raise forms.ValidationError("A new source needs its token.")
        return token or self.instance.token


@admin.register(SyncSource)
class SyncSourceAdmin(admin.ModelAdmin):
    form = SyncSourceForm
    list_display = ["url", "partner", "interval", "is_active", "last_run_at", "last_summary"]
    list_filter = ["is_active"]
    search_fields = ["url", "partner__name"]
    readonly_fields = ["cursor", "last_run_at", "last_summary", "last_error"]

    def get_fields(self, request, obj=None):
        return [*SyncSourceForm.Meta.fields, *self.readonly_fields]


@admin.register(SyncConflict)
class SyncConflictAdmin(admin.ModelAdmin):
    """A record changed here and at the source since they last agreed: both versions side by
    side; *Take theirs* writes the source's here, *Keep ours* keeps ours (the source's next
    change applies again)."""

    list_display = ["type", "record_id", "source", "status", "detected_at", "settled_by"]
    list_filter = ["status", "type", "source"]
    search_fields = ["record_id"]
    fields = [
        "source",
        "type",
        "record_id",
        "status",
        "local_version",
        "remote_version",
        "differences",
        "detected_at",
        "settled_at",
        "settled_by",
    ]
    readonly_fields = fields
    actions = ["take_theirs", "keep_ours"]

    def has_add_permission(self, request) -> bool:
        return False

    @admin.display(description=_("Differences (ours → theirs)"))
    def differences(self, obj: SyncConflict):
        ours, theirs = obj.local_body, obj.remote_body
        rows = format_html_join(
            "",
            "<tr><th>{}</th><td>{}</td><td>{}</td></tr>",
            (
                (name, json.dumps(ours.get(name)), json.dumps(theirs.get(name)))
                for name in sorted(set(ours) | set(theirs))
                if ours.get(name) != theirs.get(name)
            ),
        )
        return format_html(
            "<table><tr><th>{}</th><th>{}</th><th>{}</th></tr>{}</table>",
            _("field"),
            _("ours"),
            _("theirs"),
            rows,
        )

    def _settle(self, request, queryset, *, take_remote: bool) -> None:
        done = 0
        for conflict in queryset.filter(status=ConflictStatus.OPEN).order_by("pk"):
            try:
                settle(conflict, take_remote=take_remote, by=request.user)
                done += 1
            except ValueError as error:
                self.message_user(request, f"{conflict}: {error}", messages.ERROR)
        self.message_user(
            request,
            ngettext("%(count)d conflict settled.", "%(count)d conflicts settled.", done)
            % {"count": done},
            messages.SUCCESS,
        )

    @admin.action(
        description=_("Take theirs: write the source's version here"), permissions=["change"]
    )
    def take_theirs(self, request, queryset):
        self._settle(request, queryset, take_remote=True)

    @admin.action(
        description=_("Keep ours: the source's version is set aside"), permissions=["change"]
    )
    def keep_ours(self, request, queryset):
        self._settle(request, queryset, take_remote=False)
