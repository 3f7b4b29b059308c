from django.db import migrations


def create_leader_role(apps, schema_editor):
    apps.get_model("auth", "Group").objects.get_or_create(name="leader")


def remove_leader_role(apps, schema_editor):
    apps.get_model("auth", "Group").objects.filter(name="leader").delete()


class Migration(migrations.Migration):
    dependencies = [("accounts", "0003_phonecode")]

    operations = [migrations.RunPython(create_leader_role, remove_leader_role)]
