import django.utils.timezone
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("people", "0003_unit_leadership_and_system_clients")]

    operations = [
        migrations.AddField(
            model_name="citizen",
            name="updated_at",
            field=models.DateTimeField(auto_now=True, default=django.utils.timezone.now),
            preserve_default=False,
        ),
    ]
