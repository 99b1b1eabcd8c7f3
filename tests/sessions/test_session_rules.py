import datetime

import pytest
from django.db import DatabaseError, IntegrityError, transaction
from django.utils import timezone

from sessions import services
from sessions.models import Addendum, NeedlePlacement, TreatmentSession, WarningOverride
from tests.factories import PatientFactory
from tests.factories.sessions import (
    NeedlePlacementFactory,
    TreatmentSessionFactory,
    needle,
    patient_with,
    point,
)


@pytest.fixture
def session(practitioner):
    return TreatmentSessionFactory(practitioner=practitioner)


def placement(acupoint="BL23", side="bilateral", stimulation="none"):
    return {
        "acupoint": point(acupoint),
        "side": side,
        "needle": needle(),
        "stimulation": stimulation,
    }


def treat(session, by, *, removed=None, minutes=25):
    """Place BL23 bilaterally and GV4, retain for `minutes`, remove `removed` needles."""
    services.add_placement(session=session, data=placement(), by=by)
    services.add_placement(session=session, data=placement("GV4", "midline"), by=by)
    services.needles_in(session=session, by=by, position="prone")
    TreatmentSession.objects.filter(pk=session.pk).update(
        needles_in_at=timezone.now() - datetime.timedelta(minutes=minutes)
    )
    services.needles_out(session=session, by=by, removed=3 if removed is None else removed)
    session.refresh_from_db()
    return session


@pytest.mark.django_db
def test_it_signs_a_complete_record(session, practitioner):
    treat(session, practitioner.user)
    signed = services.sign_session(session=session, by=practitioner.user)
    assert signed.is_signed and signed.signed_by == practitioner.user
    assert services.needles_inserted(signed) == 3  # bilateral counts as two


@pytest.mark.django_db
def test_a_signed_record_cannot_change_through_the_orm(session, practitioner):
    treat(session, practitioner.user)
    services.sign_session(session=session, by=practitioner.user)
    session.refresh_from_db()
    session.plan = "changed afterwards"
    with pytest.raises(DatabaseError, match="is signed"), transaction.atomic():
        session.save()
    with pytest.raises(DatabaseError, match="is signed"), transaction.atomic():
        TreatmentSession.objects.filter(pk=session.pk).update(plan="bulk change")
    with pytest.raises(DatabaseError, match="is signed"), transaction.atomic():
        session.placements.first().delete()
    with pytest.raises(DatabaseError, match="is signed"), transaction.atomic():
        NeedlePlacementFactory(session=session)
    with pytest.raises(DatabaseError, match="is signed"), transaction.atomic():
        TreatmentSession.objects.filter(pk=session.pk).delete()
    session.refresh_from_db()
    assert session.plan == ""


@pytest.mark.django_db
def test_no_session_is_ever_deleted_not_even_a_draft(session):
    with pytest.raises(DatabaseError, match="never deleted"), transaction.atomic():
        session.delete()
    assert TreatmentSession.objects.filter(pk=session.pk).exists()


@pytest.mark.django_db
def test_a_signed_record_cannot_change_through_the_services(session, practitioner):
    treat(session, practitioner.user)
    services.sign_session(session=session, by=practitioner.user)
    with pytest.raises(services.SessionError, match="addendum"):
        services.add_placement(session=session, data=placement("BL40"), by=practitioner.user)


@pytest.mark.django_db
def test_corrections_are_append_only_addenda(session, practitioner):
    treat(session, practitioner.user)
    services.sign_session(session=session, by=practitioner.user)
    addendum = services.add_addendum(
        session=session, by=practitioner.user, reason="Typo", text="Pain was left-sided, not right."
    )
    addendum.text = "rewritten"
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        addendum.save()
    assert Addendum.objects.get().text == "Pain was left-sided, not right."


@pytest.mark.django_db
def test_only_the_treating_practitioner_with_a_valid_licence_signs(
    session, practitioner, other_practitioner
):
    treat(session, practitioner.user)
    with pytest.raises(services.SessionError, match="treating practitioner"):
        services.sign_session(session=session, by=other_practitioner.user)
    practitioner.licence_expiry = datetime.date(2020, 1, 1)
    practitioner.save(update_fields=["licence_expiry"])
    session.practitioner.refresh_from_db()
    practitioner.user.refresh_from_db()
    with pytest.raises(services.SessionError, match="licence expired"):
        services.sign_session(session=session, by=practitioner.user)


@pytest.mark.django_db
def test_a_missing_needle_blocks_signing_until_an_incident_is_recorded(session, practitioner):
    treat(session, practitioner.user, removed=2)
    with pytest.raises(services.SessionError, match="3 in, 2 out"):
        services.sign_session(session=session, by=practitioner.user)
    TreatmentSession.objects.filter(pk=session.pk).update(
        missing_needle_incident=True,
        missing_needle_found=True,
        missing_needle_details="Found on the couch sheet, disposed of in the sharps bin",
    )
    session.refresh_from_db()
    assert services.sign_session(session=session, by=practitioner.user).is_signed


@pytest.mark.django_db
def test_retention_outside_the_range_needs_a_reason(session, practitioner):
    treat(session, practitioner.user, minutes=12)
    with pytest.raises(services.SessionError, match="outside 20–30"):
        services.sign_session(session=session, by=practitioner.user)


@pytest.mark.django_db
def test_red_flags_without_a_decision_block_signing(session, practitioner):
    treat(session, practitioner.user)
    TreatmentSession.objects.filter(pk=session.pk).update(red_flags=["cauda_equina"])
    session.refresh_from_db()
    with pytest.raises(services.SessionError, match="Red flags"):
        services.sign_session(session=session, by=practitioner.user)


@pytest.mark.django_db
def test_midline_points_take_no_side_in_the_database(session):
    with pytest.raises(IntegrityError, match="midline"), transaction.atomic():
        NeedlePlacementFactory(session=session, acupoint=point("GV4"), side="left")
    with pytest.raises(IntegrityError, match="needs a side"), transaction.atomic():
        NeedlePlacementFactory(session=session, acupoint=point("BL23"), side="midline")
    with pytest.raises(IntegrityError, match="Ashi"), transaction.atomic():
        NeedlePlacementFactory(session=session, acupoint=point("ASHI"), side="left")
    NeedlePlacementFactory(
        session=session, acupoint=point("ASHI"), side="left", ashi_location="2 cm lateral to L4"
    )


@pytest.mark.django_db
@pytest.mark.parametrize(
    "flags, acupoint, stimulation, kind",
    [
        ({"is_pregnant": True}, "SP6", "none", "pregnancy_point"),
        ({"has_implanted_device": True}, "BL23", "electro", "electro_device"),
        ({"lesion_at": "BL25, BL40"}, "BL25", "none", "skin_lesion"),
    ],
)
def test_safety_warnings_need_an_override_with_a_reason(
    practitioner, flags, acupoint, stimulation, kind
):
    session = TreatmentSessionFactory(practitioner=practitioner, patient=patient_with(flags))
    data = placement(acupoint, stimulation=stimulation)
    with pytest.raises(services.NeedsOverride) as refused:
        services.add_placement(session=session, data=data, by=practitioner.user)
    assert refused.value.warnings[0].kind == kind
    assert not NeedlePlacement.objects.exists()
    services.add_placement(
        session=session, data=data, by=practitioner.user, override_reason="Discussed with patient"
    )
    override = WarningOverride.objects.get()
    assert (override.kind, override.reason) == (kind, "Discussed with patient")


@pytest.mark.django_db
def test_a_new_session_is_prefilled_with_the_patients_flags(practitioner):
    patient = PatientFactory(bleeding_risk=True, needle_phobia_or_fainting=True)
    session = services.start_session(
        patient=patient, practitioner=practitioner, by=practitioner.user
    )
    assert "Anticoagulants" in session.contraindication_notes
    assert "treat lying down" in session.contraindication_notes


@pytest.mark.django_db
def test_opening_and_signing_the_record_moves_the_visit_along(practitioner, front_desk):
    from scheduling import services as booking
    from tests.factories.patients import ConsentFactory
    from tests.factories.scheduling import AppointmentFactory

    noon = timezone.localtime().replace(hour=12, minute=0, second=0, microsecond=0)
    appointment = AppointmentFactory(practitioner=practitioner, start_at=noon)
    ConsentFactory(
        patient=appointment.patient, given_at=timezone.now() - datetime.timedelta(days=1)
    )
    booking.change_status(appointment=appointment, status="arrived", by=front_desk)
    session = services.start_session(
        patient=appointment.patient,
        practitioner=practitioner,
        appointment=appointment,
        by=practitioner.user,
    )
    appointment.refresh_from_db()
    assert appointment.status == "in_treatment"
    TreatmentSession.objects.filter(pk=session.pk).update(contraindications_reviewed=True)
    session.refresh_from_db()
    treat(session, practitioner.user)
    services.sign_session(session=session, by=practitioner.user)
    appointment.refresh_from_db()
    assert appointment.status == "completed"


@pytest.mark.django_db
def test_a_record_opened_for_a_patient_nobody_marked_arrived_moves_the_visit_along(
    client_for, practitioner, front_desk
):
    """The desk forgot "Mark arrived": opening the record implies the arrival
    (said in the history), and signing completes the visit."""
    from tests.factories.patients import ConsentFactory
    from tests.factories.scheduling import AppointmentFactory

    noon = timezone.localtime().replace(hour=12, minute=0, second=0, microsecond=0)
    appointment = AppointmentFactory(practitioner=practitioner, start_at=noon)
    ConsentFactory(
        patient=appointment.patient, given_at=timezone.now() - datetime.timedelta(days=1)
    )
    client = client_for(practitioner.user)
    r = client.post("/records/start/", {"appointment": appointment.uuid})
    assert r.status_code == 302
    appointment.refresh_from_db()
    assert appointment.status == "in_treatment"
    (event,) = appointment.events.all()
    assert (event.before["status"], event.after["status"]) == ("booked", "in_treatment")
    assert event.note.startswith("Arrival implied")
    page = client_for(front_desk).get(f"/calendar/appointments/{appointment.uuid}/")
    assert "Status: In treatment" in page.content.decode()
    assert "Arrival implied: the treatment record was opened" in page.content.decode()

    session = TreatmentSession.objects.get(appointment=appointment)
    TreatmentSession.objects.filter(pk=session.pk).update(contraindications_reviewed=True)
    session.refresh_from_db()
    treat(session, practitioner.user)
    services.sign_session(session=session, by=practitioner.user)
    appointment.refresh_from_db()
    assert appointment.status == "completed"


@pytest.mark.django_db
def test_a_record_opened_ahead_of_the_day_leaves_the_booking_as_it_is(practitioner):
    from tests.factories.scheduling import AppointmentFactory

    appointment = AppointmentFactory(practitioner=practitioner)  # in 2030
    services.start_session(
        patient=appointment.patient,
        practitioner=practitioner,
        appointment=appointment,
        by=practitioner.user,
    )
    appointment.refresh_from_db()
    assert appointment.status == "booked"
    assert not appointment.events.exists()
