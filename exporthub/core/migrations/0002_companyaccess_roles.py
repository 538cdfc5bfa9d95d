import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models

ROLES = ("viewer", "accountant", "admin")


def create_roles(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    for name in ROLES:
        Group.objects.get_or_create(name=name)


def remove_roles(apps, schema_editor):
    apps.get_model("auth", "Group").objects.filter(name__in=ROLES).delete()


class Migration(migrations.Migration):

    dependencies = [
        ("auth", "0012_alter_user_first_name_max_length"),
        ("core", "0001_initial"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name="CompanyAccess",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("company_id", models.UUIDField(help_text="The Pleo company's id.")),
                ("created_at", models.DateTimeField(auto_now_add=True)),
                ("user", models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name="company_access", to=settings.AUTH_USER_MODEL)),
            ],
            options={
                "verbose_name_plural": "company access",
                "ordering": ["user_id", "company_id"],
                "constraints": [models.UniqueConstraint(fields=("user", "company_id"), name="unique_company_access")],
            },
        ),
        migrations.RunPython(create_roles, remove_roles),
    ]
