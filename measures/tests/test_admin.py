import json
from pathlib import Path

from django.urls import reverse

from measures.models import Questionnaire

PHQ9 = Path(__file__).resolve().parents[1] / "questionnaires" / "phq9.json"


def test_admin_imports_a_questionnaire_and_refuses_bad_json_with_a_message(admin_client):
    url = reverse("admin:measures_questionnaire_add")
    bad = admin_client.post(url, {"resource_json": '{"resourceType": "Questionnaire",'})
    assert bad.status_code == 200 and "This is not valid JSON" in bad.text
    unsupported = json.loads(PHQ9.read_text())
    unsupported["item"][1]["type"] = "attachment"
    refused = admin_client.post(url, {"resource_json": json.dumps(unsupported)})
    assert "item type" in refused.text and "attachment" in refused.text
    assert not Questionnaire.objects.exists()
    ok = admin_client.post(url, {"resource_json": PHQ9.read_text()})
    assert ok.status_code == 302
    assert Questionnaire.objects.get().title == "PHQ-9"
