from django.db import migrations

from cases.roles import grant_role_permissions

# Section IV of S/2011/552: the six elements for success, each in the report's own words.
SUCCESS_ELEMENTS = [
    (
        "early-warning",
        "Early warning",
        44,
        47,
        "No matter how accurate the early warning, the real test is whether it leads to early "
        "action. The difference between a successful engagement and one that is likely to fail "
        "can often be measured in the time lapsed between the first warning signs of a problem "
        "and the first steps taken to address it.",
    ),
    (
        "flexibility",
        "Flexibility",
        48,
        50,
        "Every intervention to prevent, transform, manage or resolve conflict must be flexible, "
        "configured to the needs on the ground and not according to our institutional set-ups.",
    ),
    (
        "partnerships",
        "Partnerships",
        51,
        55,
        "Regional and subregional organizations have a unique influence on, leverage over, and "
        "access to crisis situations in their region; the United Nations works with them in a "
        "lead, supporting, burden-sharing, sequential or joint role.",
    ),
    (
        "sustainability",
        "Sustainability",
        56,
        58,
        "Once the impasse is resolved or the critical moment has passed, preventive diplomacy "
        "efforts tend to scale back down, leaving the question of how diplomatic gains can be "
        "sustained.",
    ),
    (
        "evaluation",
        "Evaluation",
        59,
        60,
        "We must improve our ability to monitor outcomes, measure impact, present hard evidence "
        "that prevention works and communicate success.",
    ),
    (
        "resources",
        "Resources",
        61,
        64,
        "Diplomacy is an intensely personal craft, and our most valuable resources are human; "
        "preventive diplomacy is cost-effective but needs continued financial investment to "
        "deliver results.",
    ),
]

CASE_MODELS = [
    "situation",
    "warningindicator",
    "actor",
    "engagement",
    "engagementpartner",
    "assessment",
    "document",
    "paragraph",
    "successelement",
]


def create_success_elements(apps, schema_editor):
    success_element = apps.get_model("cases", "SuccessElement")
    for order, (code, name, first, last, description) in enumerate(SUCCESS_ELEMENTS, start=1):
        success_element.objects.update_or_create(
            code=code,
            defaults={
                "order": order,
                "name": name,
                "first_paragraph": first,
                "last_paragraph": last,
                "description": description,
                "document_symbol": "S/2011/552",
            },
        )


def create_roles(apps, schema_editor):
    grant_role_permissions(apps, schema_editor, "cases", CASE_MODELS)


class Migration(migrations.Migration):
    dependencies = [
        ("cases", "0001_initial"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [
        migrations.RunPython(create_success_elements, migrations.RunPython.noop),
        migrations.RunPython(create_roles, migrations.RunPython.noop),
    ]
