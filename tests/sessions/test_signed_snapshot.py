"""A signed record reads as it was signed (DOMAIN.md, Records; issue 11, point 4).

Sign a record, read its record page, print page and the patient's portal page;
then edit every piece of reference data it shows (the practitioner's name and
licence, every needle, every acupoint's code and Pinyin, the pregnancy-caution
reasons, the patient's clinical flags) and read them again: the signed parts
are byte-identical. The patient's flags today are shown beside the record,
labelled as current. PostgreSQL makes the copies at signing and refuses a
signature without them (migration 0004)."""

import datetime
import re
from decimal import Decimal

import pytest
from django.db import DatabaseError, IntegrityError, transaction
from django.db.models import F, Value
from django.db.models.functions import Concat
from django.utils import timezone

from patients.models import Patient
from sessions.models import (
    Acupoint,
    Needle,
    NeedlePlacement,
    PregnancyCautionPoint,
    TreatmentSession,
    WarningOverride,
)
from tests.factories.sessions import NeedlePlacementFactory, TreatmentSessionFactory, point, sign

pytestmark = pytest.mark.django_db


def region(html: str, testid: str) -> str:
    """The element with this data-testid, tags and all (nested ones counted)."""
    at = html.index(f'data-testid="{testid}"')
    start = html.rindex("<", 0, at)
    tag = re.match(r"<(\w+)", html[start:]).group(1)
    depth = 0
    for match in re.finditer(rf"<(/?){tag}\b[^>]*>", html[start:]):
        depth += -1 if match.group(1) else 1
        if depth == 0:
            return html[start : start + match.end()]
    raise AssertionError(f"{testid} is not closed")


def flag(patient, **flags):
    Patient.objects.filter(pk=patient.pk).update(**flags)
    patient.refresh_from_db()


@pytest.fixture
def signed_record(patient_a, practitioner):
    """Four placements (a paired point, a midline one, a pregnancy-cautioned one
    with its override, an Ashi point) on a pregnant patient with a bleeding
    risk, signed as the app signs."""
    flag(patient_a, is_pregnant=True, bleeding_risk=True)
    now = timezone.now()
    session = TreatmentSessionFactory(
        patient=patient_a,
        practitioner=practitioner,
        needles_in_at=now - datetime.timedelta(minutes=25),
        needles_out_at=now,
        needles_removed=5,
        pressure_applied_after_removal=True,
    )
    needles = list(Needle.objects.order_by("id"))
    NeedlePlacementFactory(session=session, acupoint=point("BL23"), side="bilateral")
    NeedlePlacementFactory(session=session, acupoint=point("GV4"), side="midline")
    li4 = NeedlePlacementFactory(
        session=session, acupoint=point("LI4"), side="left", needle=needles[1]
    )
    NeedlePlacementFactory(
        session=session,
        acupoint=point("ASHI"),
        side="left",
        ashi_location="2 cm lateral to L4",
        needle=needles[2],
    )
    WarningOverride.objects.create(
        session=session,
        placement=li4,
        kind=WarningOverride.Kind.PREGNANCY_POINT,
        detail="LI4 is traditionally avoided in pregnancy.",
        reason="Breech presentation, agreed with the midwife",
        by=practitioner.user,
    )
    return sign(session, practitioner.user)


def pages(client, session, practitioner, patient):
    client.force_login(practitioner.user)
    record = client.get(f"/records/{session.uuid}/").content.decode()
    printed = client.get(f"/records/{session.uuid}/print/").content.decode()
    client.force_login(patient.user)
    portal = client.get(f"/portal/history/{session.uuid}/").content.decode()
    return record, printed, portal


def signed_parts(record, printed, portal):
    return {
        "record practitioner": region(record, "record-practitioner"),
        "record signed line": region(record, "signed-line"),
        "record": region(record, "signed-record"),
        "print practitioner": region(printed, "record-practitioner"),
        "print": region(printed, "signed-record"),
        "portal": region(portal, "signed-record"),
    }


def edit_every_reference(practitioner, patient):
    user = practitioner.user
    user.full_name = "Renamed Person"
    user.save(update_fields=["full_name"])
    practitioner.licence_number = "RENEWED-0001"
    practitioner.licence_issuing_body = "Another Council"
    practitioner.licence_expiry = practitioner.licence_expiry + datetime.timedelta(days=900)
    practitioner.save(update_fields=["licence_number", "licence_issuing_body", "licence_expiry"])
    for needle in Needle.objects.all():
        needle.gauge_mm += (
            Decimal("0.01") if needle.gauge_mm < Decimal("0.40") else -Decimal("0.01")
        )
        needle.length_mm += 1
        needle.make = f"EDITED {needle.pk}"
        needle.save(update_fields=["gauge_mm", "length_mm", "make"])
    Acupoint.objects.update(code=Concat(F("code"), Value("E")), pinyin="Edited")
    PregnancyCautionPoint.objects.update(reason="Edited reason")
    flag(patient, is_pregnant=False, bleeding_risk=False, has_epilepsy=True)


def test_the_signed_record_reads_the_same_after_every_reference_edit(
    client, signed_record, practitioner, patient_a
):
    licence = practitioner.licence_number
    before = signed_parts(*pages(client, signed_record, practitioner, patient_a))
    # What it shows at signing (so the comparison below compares something).
    assert "Pat Practitioner" in before["record practitioner"]
    assert "Pat Practitioner" in before["record signed line"]
    assert f"licence {licence}, British Acupuncture Council, valid until" in before["record"]
    assert "<strong>BL23</strong> Shenshu" in before["record"]
    assert "<strong>ASHI</strong> (2 cm lateral to L4)" in before["record"]
    assert "0.20 × 25 mm Seirin J-type" in before["print"]
    assert "0.25 × 30 mm Seirin J-type" in before["print"]
    assert "Pat Practitioner, " in region(before["record"], "summary-overrides")
    flags_then = region(before["record"], "flags-at-signing")
    assert "Pregnant" in flags_then and "Anticoagulants or bleeding disorder" in flags_then
    assert "BL23 Shenshu (both sides)" in before["portal"]
    assert "Pat Practitioner" in before["portal"]

    edit_every_reference(practitioner, patient_a)
    record, printed, portal = pages(client, signed_record, practitioner, patient_a)
    after = signed_parts(record, printed, portal)

    for part, html in before.items():
        assert after[part] == html, part
    # The patient's flags now are shown beside it, labelled as current.
    current = region(record, "current-alerts")
    assert "Current alerts (now, not at signing)" in current
    assert "Epilepsy" in current and "Pregnant" not in current


def test_a_draft_shows_the_reference_rows_as_they_are_now(client, practitioner, patient_a):
    session = TreatmentSessionFactory(patient=patient_a, practitioner=practitioner)
    NeedlePlacementFactory(session=session, acupoint=point("BL23"))
    Acupoint.objects.filter(code="BL23").update(pinyin="Renamed")
    client.force_login(practitioner.user)
    html = client.get(f"/records/{session.uuid}/print/").content.decode()
    assert "<strong>BL23</strong> Renamed" in html
    assert "Current alerts" not in html


def test_signing_through_the_page_writes_the_snapshot(client, practitioner, patient_a):
    flag(patient_a, allergy_latex=True)
    session = TreatmentSessionFactory(patient=patient_a, practitioner=practitioner)
    client.force_login(practitioner.user)
    response = client.post(
        f"/records/{session.uuid}/sign/", {"version": session.version, "checked": "on"}
    )
    assert response.status_code == 302
    session.refresh_from_db()
    assert session.is_signed
    assert session.signed_on == timezone.localdate(session.signed_at)
    assert session.signed_flags == ["Latex allergy"]
    assert session.signed_practitioner_name == "Pat Practitioner"
    assert session.signed_licence_number == practitioner.licence_number
    assert session.signed_licence_expiry == practitioner.licence_expiry


# --- PostgreSQL makes the copies and refuses a signature without them ------------------


def raw_sign(session, **fields):
    values = {
        "signed_at": timezone.now(),
        "signed_by": session.practitioner.user,
        "signed_on": timezone.localdate(),
        "signed_flags": [],
        **fields,
    }
    with transaction.atomic():
        TreatmentSession.objects.filter(pk=session.pk).update(**values)


def test_postgresql_copies_the_signer_and_every_placement(practitioner):
    session = TreatmentSessionFactory(practitioner=practitioner)
    placement = NeedlePlacementFactory(session=session, acupoint=point("GB34"), side="left")
    raw_sign(session, signed_practitioner_name="Someone Else", signed_licence_number="FAKE")
    session.refresh_from_db()
    placement.refresh_from_db()
    assert session.signed_practitioner_name == "Pat Practitioner"
    assert session.signed_licence_number == practitioner.licence_number
    assert session.signed_licence_body == practitioner.licence_issuing_body
    assert (placement.signed_point_code, placement.signed_point_name) == ("GB34", "Yanglingquan")
    needle = placement.needle
    assert placement.signed_needle_gauge_mm == needle.gauge_mm
    assert placement.signed_needle_length_mm == needle.length_mm
    assert placement.signed_needle_make == needle.make


def test_postgresql_refuses_a_signer_who_is_no_practitioner(front_desk):
    session = TreatmentSessionFactory()
    with pytest.raises(IntegrityError, match="only a practitioner signs"):
        raw_sign(session, signed_by=front_desk)


def test_postgresql_refuses_a_signature_without_its_day_or_flags():
    session = TreatmentSessionFactory()
    with pytest.raises(IntegrityError, match="signed_on"):
        raw_sign(session, signed_on=None)
    with pytest.raises(IntegrityError, match="session_signed_snapshot"):
        raw_sign(session, signed_flags=None)
    with pytest.raises(IntegrityError, match="session_signed_snapshot"):
        raw_sign(session, signed_on=timezone.localdate() - datetime.timedelta(days=5))


def test_the_copies_never_change_after_signing(signed_record):
    with pytest.raises(DatabaseError, match="is signed"), transaction.atomic():
        NeedlePlacement.objects.filter(session=signed_record).update(signed_point_code="X")
    with pytest.raises(DatabaseError, match="is signed"), transaction.atomic():
        TreatmentSession.objects.filter(pk=signed_record.pk).update(signed_flags=[])
