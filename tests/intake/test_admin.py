"""The clinic edits its questions by version in the Django admin."""

from audit.models import AuditEvent
from intake.models import IntakeForm, IntakeQuestion


def test_a_used_version_is_copied_and_the_copy_made_current(
    client, clinic_admin, sent, django_assert_max_num_queries
):
    client.force_login(clinic_admin)
    v1 = IntakeForm.objects.get(version="1")
    # Sent to a patient: its questions are read only.
    page = client.get(f"/admin/intake/intakeform/{v1.pk}/change/").content.decode()
    assert 'name="questions-0-text"' not in page
    client.post(
        "/admin/intake/intakeform/",
        {"action": "copy_as_new_version", "_selected_action": [v1.pk]},
    )
    copy = IntakeForm.objects.exclude(pk=v1.pk).get()
    assert copy.questions.count() == v1.questions.count() and not copy.is_current
    question = copy.questions.get(key="needle_fear")
    question.text = "Do needles make you feel faint?"
    question.save()
    data = {"version": copy.version, "is_current": "on", "questions-TOTAL_FORMS": "0",
            "questions-INITIAL_FORMS": "0", "questions-MIN_NUM_FORMS": "0",
            "questions-MAX_NUM_FORMS": "1000"}  # fmt: skip
    response = client.post(f"/admin/intake/intakeform/{copy.pk}/change/", data)
    assert response.status_code == 302, response.content.decode()[:3000]
    assert IntakeForm.objects.current().get() == copy
    # The answers already given keep the wording they were given against.
    assert IntakeQuestion.objects.get(form=v1, key="needle_fear").text.startswith("Are you scared")
    assert AuditEvent.objects.filter(action="intake.form.changed").exists()
