"""The clinic's reference lists (issue 11, point 11): needle stock and the
pregnancy-caution points, edited by practitioners, audited, never deleting a
needle, and never changing how a record that used a needle reads."""

from decimal import Decimal

import pytest

from audit.models import AuditEvent
from sessions import reference
from sessions.models import Needle, PregnancyCautionPoint
from sessions.safety import Cautions
from tests.factories import PatientFactory
from tests.factories.sessions import NeedlePlacementFactory, point

NEEDLES = "/records/reference/needles/"


def placement_warnings(*, patient, acupoint, stimulation):
    return Cautions.for_patient(patient).placement_warnings(
        acupoint=acupoint, side="left", stimulation=stimulation, angle="oblique", depth_mm=5
    )


POINTS = "/records/reference/pregnancy-points/"


def needle_url(needle):
    return f"{NEEDLES}{needle.pk}/"


def caution_url(caution, suffix=""):
    return f"{POINTS}{caution.pk}/{suffix}"


@pytest.fixture
def unused(db):
    return Needle.objects.create(gauge_mm=Decimal("0.18"), length_mm=13, make="Test make")


# --- Needles --------------------------------------------------------------------------


@pytest.mark.django_db
def test_it_lists_the_needles_in_stock_and_retired(client_for, practitioner, unused):
    Needle.objects.create(gauge_mm=Decimal("0.16"), length_mm=15, make="Old", is_active=False)
    body = client_for(practitioner.user).get(NEEDLES).content.decode()
    assert "0.18 × 13 mm" in body and "Test make" in body
    assert "Retired" in body and "Old" in body


@pytest.mark.django_db
def test_it_adds_a_needle_and_audits_it(client_for, practitioner):
    r = client_for(practitioner.user).post(
        NEEDLES, {"gauge_mm": "0.22", "length_mm": "40", "make": "  Seirin   L-type "}
    )
    assert r.status_code == 302 and r["Location"] == NEEDLES
    needle = Needle.objects.get(make="Seirin L-type")
    assert (needle.gauge_mm, needle.length_mm, needle.is_active) == (Decimal("0.22"), 40, True)
    event = AuditEvent.objects.get(action="sessions.needle.added")
    assert event.actor == practitioner.user and event.data == {"needle": str(needle)}


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"gauge_mm": "0.09", "length_mm": "30", "make": "X"}, "Enter a gauge between 0.10 and 0.50 mm"),
        ({"gauge_mm": "0.55", "length_mm": "30", "make": "X"}, "Enter a gauge between 0.10 and 0.50 mm"),
        ({"gauge_mm": "0.25", "length_mm": "200", "make": "X"}, "Enter a length between 5 and 150 mm"),
        ({"gauge_mm": "0.25", "length_mm": "30", "make": "   "}, "This field is required"),
        ({"gauge_mm": "0.25", "length_mm": "30", "make": "seirin j-type"}, "is already on the list"),
        ({"gauge_mm": "abc", "length_mm": "30", "make": "X"}, "Enter a number"),
    ],
    ids=["gauge too thin", "gauge too thick", "too long", "no make", "duplicate", "not a number"],
)  # fmt: skip
def test_it_refuses_a_bad_needle_with_a_message_and_saves_nothing(
    client_for, practitioner, data, message
):
    before = Needle.objects.count()
    r = client_for(practitioner.user).post(NEEDLES, data)
    assert r.status_code == 200
    assert message in r.content.decode()
    assert Needle.objects.count() == before
    assert not AuditEvent.objects.filter(action__startswith="sessions.needle").exists()


@pytest.mark.django_db
def test_it_edits_an_unused_needle(client_for, practitioner, unused):
    r = client_for(practitioner.user).post(
        needle_url(unused),
        {"gauge_mm": "0.20", "length_mm": "13", "make": "Test make", "is_active": "on"},
    )
    assert r.status_code == 302
    unused.refresh_from_db()
    assert unused.gauge_mm == Decimal("0.20")
    event = AuditEvent.objects.get(action="sessions.needle.changed")
    assert event.data["changed_fields"] == ["gauge_mm"]


@pytest.mark.django_db
def test_it_retires_a_needle_without_deleting_it(client_for, practitioner, unused):
    r = client_for(practitioner.user).post(
        needle_url(unused), {"gauge_mm": "0.18", "length_mm": "13", "make": "Test make"}
    )
    assert r.status_code == 302
    unused.refresh_from_db()
    assert not unused.is_active
    assert AuditEvent.objects.filter(action="sessions.needle.retired").count() == 1
    # Retired needles are not offered for a new protocol (nor a new placement).
    page = client_for(practitioner.user).get("/records/protocols/").content.decode()
    assert "Test make" not in page


@pytest.mark.django_db
def test_a_needle_on_a_record_keeps_its_size_and_make(client_for, practitioner, unused):
    placement = NeedlePlacementFactory(needle=unused, depth_mm=10)
    client = client_for(practitioner.user)
    page = client.get(needle_url(unused)).content.decode()
    assert "on treatment records" in page and "disabled" in page
    # Disabled fields: what the browser sends for them is ignored.
    r = client.post(needle_url(unused), {"gauge_mm": "0.30", "length_mm": "60", "make": "Changed"})
    assert r.status_code == 302
    unused.refresh_from_db()
    assert (unused.gauge_mm, unused.length_mm, unused.make) == (Decimal("0.18"), 13, "Test make")
    assert not unused.is_active  # only the retirement went through
    placement.refresh_from_db()
    assert placement.needle_id == unused.pk
    # The service refuses it too, whoever calls it.
    with pytest.raises(reference.ReferenceDataError, match="retire it and add"):
        reference.change_needle(needle=unused, by=practitioner.user, data={"make": "Changed"})


@pytest.mark.django_db
def test_the_needle_list_makes_a_fixed_number_of_queries(
    client_for, practitioner, django_assert_num_queries
):
    for length in (13, 15, 25):
        Needle.objects.create(gauge_mm=Decimal("0.16"), length_mm=length, make="More")
    client = client_for(practitioner.user)
    # session / user / needles with "in use" / session save (savepoint, update, release)
    with django_assert_num_queries(6):
        assert client.get(NEEDLES).status_code == 200


# --- Pregnancy cautions ------------------------------------------------------------------


@pytest.mark.django_db
def test_it_lists_the_pregnancy_points(client_for, practitioner):
    body = client_for(practitioner.user).get(POINTS).content.decode()
    assert "SP6" in body and "LI4" in body and "Sanyinjiao" in body


@pytest.mark.django_db
def test_adding_a_point_makes_its_warning_fire(client_for, practitioner):
    pregnant = PatientFactory(is_pregnant=True)
    st36 = point("ST36")
    assert not placement_warnings(patient=pregnant, acupoint=st36, stimulation="none")
    # An older alias is accepted: LV3 is LR3; ST36 by its code.
    r = client_for(practitioner.user).post(POINTS, {"acupoint": "st 36", "reason": "Clinic policy"})
    assert r.status_code == 302
    caution = PregnancyCautionPoint.objects.get(acupoint=st36)
    assert caution.reason == "Clinic policy"
    assert [
        w.kind for w in placement_warnings(patient=pregnant, acupoint=st36, stimulation="none")
    ] == ["pregnancy_point"]
    event = AuditEvent.objects.get(action="sessions.pregnancy_caution.added")
    assert event.data == {"acupoint": "ST36"}
    client_for(practitioner.user).post(POINTS, {"acupoint": "LV3", "reason": "Clinic policy"})
    assert PregnancyCautionPoint.objects.filter(acupoint__code="LR3").exists()


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"acupoint": "XX99", "reason": "Why"}, "Unknown point code “XX99”"),
        ({"acupoint": "ASHI", "reason": "Why"}, "Unknown point code “ASHI”"),
        ({"acupoint": "SP6", "reason": "Why"}, "SP6 is already on the pregnancy list"),
        ({"acupoint": "ST36", "reason": "   "}, "This field is required"),
    ],
    ids=["unknown code", "ashi", "already listed", "no reason"],
)
def test_it_refuses_a_bad_point_with_a_message_and_saves_nothing(
    client_for, practitioner, data, message
):
    before = PregnancyCautionPoint.objects.count()
    r = client_for(practitioner.user).post(POINTS, data)
    assert r.status_code == 200 and message in r.content.decode()
    assert PregnancyCautionPoint.objects.count() == before


@pytest.mark.django_db
def test_it_edits_a_reason_and_removes_a_point_audited(client_for, practitioner):
    pregnant = PatientFactory(is_pregnant=True)
    caution = PregnancyCautionPoint.objects.get(acupoint__code="SP6")
    client = client_for(practitioner.user)
    assert client.post(caution_url(caution), {"reason": "All texts"}).status_code == 302
    caution.refresh_from_db()
    assert caution.reason == "All texts"
    assert AuditEvent.objects.get(action="sessions.pregnancy_caution.changed").data == {
        "acupoint": "SP6",
        "changed_fields": ["reason"],
    }
    r = client.post(caution_url(caution, "remove/"))
    assert r.status_code == 302 and r["Location"] == POINTS
    assert not PregnancyCautionPoint.objects.filter(acupoint__code="SP6").exists()
    assert not placement_warnings(patient=pregnant, acupoint=point("SP6"), stimulation="none")
    event = AuditEvent.objects.get(action="sessions.pregnancy_caution.removed")
    assert event.data == {"acupoint": "SP6", "reason": "All texts"}
    assert client.get(caution_url(caution)).status_code == 404


@pytest.mark.django_db
def test_the_pregnancy_list_makes_a_fixed_number_of_queries(
    client_for, practitioner, django_assert_num_queries
):
    client = client_for(practitioner.user)
    # session / user / cautions with their points / session save (savepoint, update, release)
    with django_assert_num_queries(6):
        assert client.get(POINTS).status_code == 200


# --- Who may --------------------------------------------------------------------------


@pytest.mark.django_db
def test_only_practitioners_change_the_lists(client_for, front_desk, clinic_admin, patient_a):
    caution = PregnancyCautionPoint.objects.get(acupoint__code="SP6")
    for user in (front_desk, clinic_admin, patient_a.user):
        client = client_for(user)
        assert (
            client.post(NEEDLES, {"gauge_mm": "0.22", "length_mm": "40", "make": "Z"}).status_code
            == 403
        )
        assert client.post(caution_url(caution, "remove/")).status_code == 403
    assert not Needle.objects.filter(make="Z").exists()
    assert PregnancyCautionPoint.objects.filter(pk=caution.pk).exists()
    # Not in the Django admin: these pages are the one way to change them.
    client = client_for(clinic_admin)
    assert client.get("/admin/treatment_sessions/needle/").status_code == 404
    assert client.get("/admin/treatment_sessions/pregnancycautionpoint/").status_code == 404
