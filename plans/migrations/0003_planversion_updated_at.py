import django.utils.timezone
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("plans", "0002_plan_measure_is_an_intervention")]

    operations = [
        migrations.AddField(
            model_name="planversion",
            name="updated_at",
            field=models.DateTimeField(auto_now=True, default=django.utils.timezone.now),
            preserve_default=False,
        ),
    ]
