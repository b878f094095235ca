from django.contrib.auth.management import create_permissions
from django.db import migrations

GROUP = "Instructors"

# What an instructor edits in the admin: course content, the question bank, quizzes and
# their own classes. Nothing about users, passwords, groups or sessions.
MODELS = {
    "courses": ["course", "topic", "keypoint", "lesson", "source", "glossaryterm", "faqentry"],
    "quizzes": ["question", "answer", "tag", "quiz", "quizquestion", "cohort", "membership"],
}
ACTIONS = ["add", "change", "delete", "view"]


def create_group(apps, schema_editor):
    # Permissions are normally created after migrate; make sure they exist now.
    for app_config in apps.get_app_configs():
        app_config.models_module = True
        create_permissions(app_config, apps=apps, verbosity=0)
        app_config.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    group, _ = Group.objects.get_or_create(name=GROUP)
    codenames = [f"{a}_{m}" for models in MODELS.values() for m in models for a in ACTIONS]
    permissions = Permission.objects.filter(
        content_type__app_label__in=MODELS, codename__in=codenames
    )
    group.permissions.set(permissions)


def remove_group(apps, schema_editor):
    apps.get_model("auth", "Group").objects.filter(name=GROUP).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("quizzes", "0004_classes"),
        ("courses", "0001_initial"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [migrations.RunPython(create_group, remove_group)]
