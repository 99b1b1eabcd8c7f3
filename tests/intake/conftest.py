"""Intake fixtures: a link sent to a new patient, and a complete set of answers."""

import pytest

from intake import services
from intake.defaults import QUESTIONS
from intake.tokens import intake_token
from tests.factories import PatientFactory


@pytest.fixture
def new_patient(db):
    """A patient with no flags and no consent yet."""
    return PatientFactory(first_name="Nora", last_name="Newman", email="nora@example.net")


@pytest.fixture
def sent(new_patient, front_desk, mailoutbox, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):  # the queue sends after commit
        return services.send_intake_link(patient=new_patient, by=front_desk)


@pytest.fixture
def link(sent):
    return f"/intake/{sent.uuid}/{intake_token.make_token(sent)}/"


def answers(**overrides) -> dict[str, str]:
    """Every question answered ("no" to each yes/no question), as POST data."""
    data = {}
    for _section, key, _text, kind, _extra in QUESTIONS:
        data[key] = {"yes_no": "no", "scale_0_10": "6", "choice": "1"}.get(kind, f"{key} text")
    data.update({"pregnant": "yes", "blood_thinners": "yes", "skin": "eczema on the left hand"})
    data.update(overrides)
    post = {f"q-{k}": v for k, v in data.items()}
    post |= {
        "text_version": "1",
        "signature_method": "typed",
        "typed_name": "Nora Newman",
        "typed_name_confirmed": "on",
    }
    return post
