"""The fixed queries behind the outcome figures read signed sessions only,
their points, and the protocol applied (from the audit trail)."""

import datetime

import pytest

from reports.queries import session_rows
from sessions.services import apply_protocol
from tests.factories import PatientFactory
from tests.factories.sessions import (
    NeedlePlacementFactory,
    ProtocolPointFactory,
    TreatmentSessionFactory,
    point,
    sign,
)

pytestmark = pytest.mark.django_db


def test_signed_sessions_become_rows_with_points_and_protocol(django_assert_num_queries):
    patient = PatientFactory()
    first = TreatmentSessionFactory(
        patient=patient, session_date=datetime.date(2026, 3, 2), nprs_now=7, next_visit_in_days=7
    )
    protocol_point = ProtocolPointFactory(protocol__practitioner=first.practitioner)
    apply_protocol(session=first, protocol=protocol_point.protocol, by=first.practitioner.user)
    NeedlePlacementFactory(session=first, acupoint=point("BL40"))
    sign(first)
    TreatmentSessionFactory(patient=patient, practitioner=first.practitioner)  # a draft

    with django_assert_num_queries(2):
        rows = session_rows()

    [row] = rows
    assert row.patient_id == patient.id and row.nprs == 7 and row.next_visit_planned
    assert row.points == ("BL23", "BL40")
    assert row.protocol == "Lumbar strain"
    assert row.cause == "muscle_strain" and row.odi is None
