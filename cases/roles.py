"""The working groups of the tracker and the permissions each holds.

Used by data migrations (here and in other apps) so a group's rights are declared once.
"""

from __future__ import annotations

from django.contrib.auth.management import create_permissions
from django.utils.translation import gettext_noop

DESK_OFFICER = gettext_noop("Desk officer")
REVIEWER = gettext_noop("Reviewer")
# Adds people and gives them a role (``alerts`` migration 00xx): no right on the cases.
USER_MANAGER = gettext_noop("User manager")
# The working groups, in the order the site's header names them.
ROLES = (DESK_OFFICER, REVIEWER, USER_MANAGER)

ROLE_ACTIONS = {
    DESK_OFFICER: ("add", "change", "view"),
    REVIEWER: ("view",),
}


def grant_role_permissions(apps, schema_editor, app_label: str, model_names: list[str]) -> None:
    """Give each role its actions on ``model_names`` of ``app_label`` (for RunPython)."""
    app_config = apps.get_app_config(app_label)
    app_config.models_module = True
    create_permissions(app_config, apps=apps, verbosity=0)

    group_model = apps.get_model("auth", "Group")
    permission_model = apps.get_model("auth", "Permission")
    for role, actions in ROLE_ACTIONS.items():
        group, _ = group_model.objects.get_or_create(name=role)
        codenames = [f"{action}_{model}" for model in model_names for action in actions]
        group.permissions.add(
            *permission_model.objects.filter(
                content_type__app_label=app_label, codename__in=codenames
            )
        )
