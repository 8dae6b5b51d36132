from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from .models import AccountSettings


@admin.register(AccountSettings)
class AccountSettingsAdmin(SimpleHistoryAdmin):
    list_display = ["__str__", "session_idle_hours", "updated_at"]
    readonly_fields = ["updated_at"]

    def has_add_permission(self, request) -> bool:
        return not AccountSettings.objects.exists()

    def has_delete_permission(self, request, obj=None) -> bool:
        return False
