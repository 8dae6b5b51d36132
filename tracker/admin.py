from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from .models import AccountSettings


class OneRowSettingsAdmin(SimpleHistoryAdmin):
    """The admin of a ``OneRowSettings``: its row is added once (or made on first read) and never
    deleted."""

    readonly_fields = ["updated_at"]

    def has_add_permission(self, request) -> bool:
        return not self.model.objects.exists()

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


@admin.register(AccountSettings)
class AccountSettingsAdmin(OneRowSettingsAdmin):
    list_display = ["__str__", "session_idle_hours", "updated_at"]
