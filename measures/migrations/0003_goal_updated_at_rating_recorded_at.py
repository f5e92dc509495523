import django.utils.timezone
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("measures", "0002_questionnaireresponse_response_questionnaire_time")]

    operations = [
        migrations.AddField(
            model_name="goal",
            name="updated_at",
            field=models.DateTimeField(auto_now=True, default=django.utils.timezone.now),
            preserve_default=False,
        ),
        migrations.AddField(
            model_name="goalrating",
            name="recorded_at",
            field=models.DateTimeField(auto_now_add=True, default=django.utils.timezone.now),
            preserve_default=False,
        ),
    ]
