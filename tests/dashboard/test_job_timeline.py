from __future__ import annotations

from django.utils import timezone

from exporthub.core.models import ActivityEntry
from exporthub.dashboard.job_timeline import line_for


def said(action: str, *, actor=None, actor_label: str = "", before=None, after=None, **data):
    entry = ActivityEntry(
        action=action,
        actor=actor,
        actor_label=actor_label or (actor.get_username() if actor else "system"),
        before=before,
        after=after,
        data=data,
        created_at=timezone.now(),
    )
    return line_for(entry)


def test_a_finished_job_says_how_many_were_exported_and_failed():
    line = said("sync.job.finished", actor_label="worker host-1234", successful=40, failed=2)
    assert line.text == "The hub finished the job: exported 40 entries, 2 failed."
    assert line.tone == "bad"
    clean = said("sync.job.finished", actor_label="worker host-1234", successful=1, failed=0)
    assert (clean.text, clean.tone) == ("The hub finished the job: exported 1 entry.", "ok")


def test_a_job_asked_for_in_the_hub_names_the_person(django_user_model):
    jane = django_user_model(username="jane", first_name="Jane")
    assert said("sync.job.requested", actor=jane, entries=42).text == (
        "Jane asked Pleo to export 42 entries."
    )


def test_processes_are_named_by_role_never_by_worker_id():
    started = said("sync.job.started", actor_label="worker host-1234:99", after={"status": "x"})
    assert started.text == "The hub started exporting the job."
    changed = said("sync.job.status_changed", actor_label="pleo", after={"status": "completed"})
    assert changed.text == "Pleo marked the job completed."
    detected = said(
        "sync.job.detected", actor_label="engine", after={"items": 3, "status": "pending"}
    )
    assert detected.text == "The hub found the job in Pleo, with 3 entries (pending)."


def test_a_failed_job_gives_its_reason_and_says_nothing_was_posted():
    line = said("sync.job.failed", reason_type="erp_unreachable", reason="The ERP did not answer.")
    assert line.text == "The job failed: The ERP did not answer. Nothing was posted."


def test_an_action_without_its_own_sentence_shows_no_dict(django_user_model):
    line = said("sync.job.something_new", actor_label="worker w-1", secret_detail={"a": 1})
    assert line.text == "Sync job something new (by the hub)."


def test_retries_dismissals_takeovers_and_correction_jobs_read_as_sentences(django_user_model):
    adam = django_user_model(username="adam", first_name="Adam")
    waiting = said("sync.job.retry_scheduled", actor_label="worker h:1", at="x", waiting=3)
    assert waiting.text == "The ERP was busy: 3 entries wait for the next attempt."
    dismissed = said("sync.job.dismissed", actor=adam, reason="Pleo support closed it")
    assert (dismissed.text, dismissed.tone) == (
        "Adam dismissed the job: Pleo support closed it",
        "bad",
    )
    taken = said("sync.job.claim_taken_over", actor_label="worker h:2")
    assert taken.text == "The hub took the job over from a worker that had stopped."
    sent = said("sync.correction_job.requested", actor=adam, corrections=2)
    assert sent.text == "Adam sent 2 corrections to Pleo in this correction job."


def test_an_operator_at_the_command_line_is_named_as_such_not_as_a_person():
    line = said("sync.job.dismissed", actor_label="manage.py", reason="stuck since March")
    assert line.text == "An operator at the command line dismissed the job: stuck since March"
