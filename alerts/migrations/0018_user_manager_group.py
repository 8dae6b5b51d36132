"""The *User manager* group: adds people and gives them a role (desk officer with regions,
reviewer, partner staff) in the admin's Users; no right on the cases (issue 15)."""

from django.contrib.auth.management import create_permissions
from django.db import migrations

from cases.roles import USER_MANAGER

PERMISSIONS = {
    "auth": ["add_user", "change_user", "view_user"],
    "alerts": ["view_deskassignment"],
    "partners": ["view_partner", "view_partnermember"],
}


def create_group(apps, schema_editor):
    for app_label in PERMISSIONS:
        app_config = apps.get_app_config(app_label)
        app_config.models_module = True
        create_permissions(app_config, apps=apps, verbosity=0)
    group_model = apps.get_model("auth", "Group")
    permission_model = apps.get_model("auth", "Permission")
    group, _ = group_model.objects.get_or_create(name=USER_MANAGER)
    for app_label, codenames in PERMISSIONS.items():
        group.permissions.add(
            *permission_model.objects.filter(
                content_type__app_label=app_label, codename__in=codenames
            )
        )


def remove_group(apps, schema_editor):
    apps.get_model("auth", "Group").objects.filter(name=USER_MANAGER).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("alerts", "0017_alert_sign_version"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("partners", "0004_feed_moves_to_its_app"),
    ]

    operations = [migrations.RunPython(create_group, remove_group)]
