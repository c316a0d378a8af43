from django.db import migrations, models


class Migration(migrations.Migration):
    initial = True

    dependencies: list = []

    operations = [
        migrations.CreateModel(
            name="DriftProbe",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False)),
                ("note", models.CharField(max_length=40)),
            ],
            options={"db_table": "drift_probe"},
        ),
    ]
