"""A risk answer (PHQ-9 item 9) e-mails the coordinator from the task queue, never inside the
citizen's submit: a mail server that hangs must not hang the citizen."""

import json
import logging
import threading
import time

import pytest
from django.core import mail
from django.core.mail.backends.base import BaseEmailBackend
from django.core.management import call_command
from django.urls import reverse
from django_tasks import default_task_backend
from django_tasks.backends.immediate import ImmediateBackend
from django_tasks_db.models import DBTaskResult

from accounts.models import ApiToken
from measures import tasks
from measures.models import QuestionnaireResponse, Score

CODES = {0: "LA6568-5", 1: "LA6569-3", 2: "LA6570-1", 3: "LA6571-9"}
DATABASE_QUEUE = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
DUMMY_QUEUE = {"default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend"}}
TASK_PATH = "measures.tasks.notify_coordinators_of_risk"


def phq9_form(values):
    return {f"phq9-{n}": CODES[v] for n, v in enumerate(values, start=1)}


RISK_ANSWER = phq9_form([0, 0, 0, 0, 0, 0, 0, 0, 2])  # item 9: "more than half the days"


class HangingEmailBackend(BaseEmailBackend):
    """A mail server that accepts the connection and then says nothing (for up to 5 s here)."""

    entered = threading.Event()

    def send_messages(self, messages):
        type(self).entered.set()
        time.sleep(5)
        return 0


class RefusingTaskBackend(ImmediateBackend):
    """The queue's table cannot be reached."""

    def enqueue(self, task, args, kwargs):
        raise ConnectionError("queue unreachable")


@pytest.fixture
def coordinator_with_email(coordinator):
    coordinator.email = "kari@example.org"
    coordinator.save()
    return coordinator


@pytest.fixture
def started(login, citizen, phq9, coordinator_with_email):
    """The citizen has opened a PHQ-9 and is about to submit it."""
    client = login(citizen.user)
    client.post(reverse("measures:start", args=[citizen.pk, phq9.pk]))
    return client, QuestionnaireResponse.objects.get(citizen=citizen)


def test_a_risk_answer_is_queued_and_no_mail_leaves_within_the_request(
    started, settings, django_capture_on_commit_callbacks
):
    settings.TASKS = DATABASE_QUEUE
    client, response = started

    with django_capture_on_commit_callbacks(execute=True):
        reply = client.post(response.get_absolute_url(), RISK_ANSWER)

    assert reply.status_code == 302
    assert Score.objects.get(response=response).result["item9_alert"] is True
    assert mail.outbox == []
    queued = DBTaskResult.objects.get()
    assert (queued.task_path, queued.status) == (TASK_PATH, "READY")
    # Ids only: nothing about the answers or the person sits in the queue table.
    assert queued.args_kwargs == {"args": [], "kwargs": {"citizen_id": response.citizen_id}}
    stored = json.dumps(queued.args_kwargs)
    assert response.citizen.given_name not in stored and "phq9" not in stored


def run_worker_once(monkeypatch):
    """``manage.py db_worker`` until the queue is empty, inside the test's transaction (the worker
    would otherwise close the connection that holds it)."""
    monkeypatch.setattr("django_tasks_db.management.commands.db_worker.close_old_connections", lambda: None)
    call_command("db_worker", "--batch", "--no-startup-delay", "--interval", "0", verbosity=0)


def test_the_worker_sends_exactly_one_mail_to_the_coordinator(
    started, settings, django_capture_on_commit_callbacks, monkeypatch
):
    settings.TASKS = DATABASE_QUEUE
    client, response = started
    with django_capture_on_commit_callbacks(execute=True):
        client.post(response.get_absolute_url(), RISK_ANSWER)
    assert mail.outbox == []

    run_worker_once(monkeypatch)

    assert DBTaskResult.objects.get().status == "SUCCESSFUL"
    assert len(mail.outbox) == 1
    sent = mail.outbox[0]
    assert sent.to == ["kari@example.org"]
    assert sent.subject == "Samplan: a citizen needs follow-up today"
    citizen = response.citizen
    for private in (citizen.given_name, citizen.family_name, citizen.national_id, "PHQ", "LA65"):
        assert private not in sent.subject and private not in sent.body

    run_worker_once(monkeypatch)
    assert len(mail.outbox) == 1  # the task ran once; a second worker pass sends nothing more


def test_a_double_click_queues_one_notification(started, settings, django_capture_on_commit_callbacks):
    settings.TASKS = DUMMY_QUEUE
    default_task_backend.clear()
    client, response = started

    with django_capture_on_commit_callbacks(execute=True):
        first = client.post(response.get_absolute_url(), RISK_ANSWER)
        second = client.post(response.get_absolute_url(), RISK_ANSWER)

    assert first.status_code == second.status_code == 302
    assert [(r.task.name, r.kwargs) for r in default_task_backend.results] == [
        ("notify_coordinators_of_risk", {"citizen_id": response.citizen_id})
    ]
    assert mail.outbox == []


def test_a_fhir_retry_with_the_same_identifier_queues_one_notification(
    client, citizen, phq9, coordinator_with_email, settings, django_capture_on_commit_callbacks
):
    settings.TASKS = DUMMY_QUEUE
    default_task_backend.clear()
    token = ApiToken.issue(coordinator_with_email)
    body = {
        "resourceType": "QuestionnaireResponse",
        "status": "completed",
        "questionnaire": f"{phq9.url}|{phq9.version}",
        "identifier": {"system": "https://example.org/app", "value": "phq9-risk-1"},
        "subject": {"reference": f"Patient/{citizen.pk}"},
        "item": [
            {"linkId": link_id, "answer": [{"valueCoding": {"system": "http://loinc.org", "code": code}}]}
            for link_id, code in RISK_ANSWER.items()
        ],
    }

    with django_capture_on_commit_callbacks(execute=True):
        replies = [
            client.post(
                "/fhir/QuestionnaireResponse",
                json.dumps(body),
                content_type="application/fhir+json",
                HTTP_AUTHORIZATION=f"Bearer {token}",
            )
            for _ in range(2)
        ]

    assert [reply.status_code for reply in replies] == [201, 200]
    assert QuestionnaireResponse.objects.filter(citizen=citizen).count() == 1
    assert len(default_task_backend.results) == 1
    assert mail.outbox == []


def test_a_hanging_mail_server_does_not_hold_the_citizens_submit(started, settings, django_capture_on_commit_callbacks):
    settings.TASKS = DATABASE_QUEUE
    settings.EMAIL_BACKEND = "measures.tests.test_risk_notification.HangingEmailBackend"
    HangingEmailBackend.entered.clear()
    client, response = started

    began = time.monotonic()
    with django_capture_on_commit_callbacks(execute=True):
        reply = client.post(response.get_absolute_url(), RISK_ANSWER)

    assert reply.status_code == 302
    assert time.monotonic() - began < 2
    assert not HangingEmailBackend.entered.is_set()
    assert DBTaskResult.objects.filter(task_path=TASK_PATH).count() == 1


def test_when_the_queue_refuses_the_answer_is_stored_and_the_error_logged_with_ids_only(
    started, settings, caplog, django_capture_on_commit_callbacks
):
    settings.TASKS = {"default": {"BACKEND": "measures.tests.test_risk_notification.RefusingTaskBackend"}}
    client, response = started

    with (
        caplog.at_level(logging.ERROR, logger="measures.actions"),
        django_capture_on_commit_callbacks(execute=True),
    ):
        reply = client.post(response.get_absolute_url(), RISK_ANSWER)

    assert reply.status_code == 302
    response.refresh_from_db()
    assert response.is_completed
    assert caplog.messages == [
        f"The e-mail about a risk answer (response {response.pk}, citizen {response.citizen_id}) "
        "could not be queued (ConnectionError)"
    ]
    assert mail.outbox == []


def test_no_task_without_a_risk_answer(started, settings, django_capture_on_commit_callbacks):
    settings.TASKS = DATABASE_QUEUE
    client, response = started
    with django_capture_on_commit_callbacks(execute=True):
        client.post(response.get_absolute_url(), phq9_form([3, 3, 3, 3, 3, 3, 3, 3, 0]))
    assert not DBTaskResult.objects.exists()


def test_each_coordinator_is_told_in_their_own_language(citizen, coordinator_with_email):
    coordinator_with_email.staff_profile.preferred_language = "nb"
    coordinator_with_email.staff_profile.save()

    assert tasks.notify_coordinators_of_risk.call(citizen_id=citizen.pk) == 1

    assert mail.outbox[0].subject == "Samplan: en innbygger trenger oppfølging i dag"


def test_nobody_to_tell_is_logged_and_sends_nothing(citizen, coordinator, caplog):
    with caplog.at_level(logging.WARNING, logger="measures.tasks"):
        assert tasks.notify_coordinators_of_risk.call(citizen_id=citizen.pk) == 0
    assert mail.outbox == []
    assert caplog.messages == [f"No coordinator with an e-mail address to tell of a risk answer (citizen {citizen.pk})"]
