"""Every needling caution is enforced (issue 11, points 1, 2, 3, 7, 8, 10, 12):
skin-lesion sites, checks run again at needles-in and sign-off on the flags as
they are then, depth cautions, position and bleeding risk, extra points' sides
and counts, the retention reason after removal, and the smaller mends."""

import datetime
from decimal import Decimal

import pytest
from django.db import DatabaseError, IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone

from audit.models import AuditEvent
from clinic.models import ClinicSettings
from patients.consent import withdraw_consent
from patients.models import Patient
from sessions import services
from sessions.models import (
    Needle,
    NeedlePlacement,
    SkinLesionSite,
    TreatmentSession,
    WarningOverride,
)
from tests.factories import PatientFactory
from tests.factories.patients import ConsentFactory
from tests.factories.sessions import (
    NeedlePlacementFactory,
    ProtocolFactory,
    SkinLesionSiteFactory,
    TreatmentSessionFactory,
    needle,
    point,
)

pytestmark = pytest.mark.django_db
HTMX = {"HX-Request": "true"}


def url(session, name, **kwargs):
    return reverse(f"records:{name}", kwargs={"uuid": session.uuid, **kwargs})


def step(session, slug):
    return reverse("records:step", kwargs={"uuid": session.uuid, "step": slug})


def long_needle() -> Needle:
    return Needle.objects.get(gauge_mm=Decimal("0.30"), length_mm=50)


def placement(code="BL23", side="bilateral", **extra):
    return {
        "acupoint": code,
        "side": side,
        "needle": extra.pop("needle", needle()).pk,
        "depth_mm": "12",
        "angle": "oblique",
        "stimulation": "none",
        **extra,
    }


def data(code, side="bilateral", **extra):
    """What add_placement takes (the form's cleaned data)."""
    return {
        "acupoint": point(code),
        "side": side,
        "needle": extra.pop("needle", needle()),
        "depth_mm": extra.pop("depth_mm", Decimal("12")),
        "angle": extra.pop("angle", "oblique"),
        "stimulation": "none",
        **extra,
    }


@pytest.fixture
def draft(practitioner):
    return TreatmentSessionFactory(practitioner=practitioner, patient=PatientFactory())


@pytest.fixture
def as_practitioner(client, practitioner):
    client.force_login(practitioner.user)
    return client


def retained(session, by, *, minutes=25, **out):
    services.needles_in(session=session, by=by)
    TreatmentSession.objects.filter(pk=session.pk).update(
        needles_in_at=timezone.now() - datetime.timedelta(minutes=minutes)
    )
    removed = out.pop("removed", services.needles_inserted(session))
    services.needles_out(session=session, by=by, removed=removed, **out)
    session.refresh_from_db()
    return session


def problems(session, by):
    fresh = TreatmentSession.objects.select_related("patient", "practitioner").get(pk=session.pk)
    return services.sign_problems(fresh, by)


# --- 1. Skin-lesion sites ----------------------------------------------------------------


def test_a_lesion_site_is_recorded_at_the_needling_step_and_warns(as_practitioner, draft):
    response = as_practitioner.post(
        url(draft, "lesion-add"),
        {"acupoint": "bl 23", "side": "left", "description": "Eczema, weeping"},
        follow=True,
    )
    page = response.content.decode()
    assert "Skin-lesion site recorded." in page
    assert "BL23 left: Eczema, weeping" in page  # shown at the needling step
    site = SkinLesionSite.objects.get()
    assert (site.patient, site.acupoint.code, site.side) == (draft.patient, "BL23", "left")
    event = AuditEvent.objects.get(action="patients.clinical_flags.changed")
    assert event.patient_id == draft.patient_id and event.data == {}  # no clinical fact in it

    refused = as_practitioner.post(url(draft, "placement-add"), placement("BL23", "left"))
    assert "falls on a recorded skin-lesion site" in refused.content.decode()
    assert not NeedlePlacement.objects.exists()
    # The other side is clear.
    as_practitioner.post(url(draft, "placement-add"), placement("BL23", "right"))
    assert NeedlePlacement.objects.get().side == "right"


def test_an_ashi_point_in_a_lesion_region_warns(practitioner, draft):
    SkinLesionSiteFactory(
        patient=draft.patient, acupoint=None, region="lumbar_left", recorded_by=practitioner.user
    )
    ashi = data("ASHI", "left", ashi_location="2 cm lateral to L4", region="lumbar_left")
    with pytest.raises(services.NeedsOverride) as refused:
        services.add_placement(session=draft, data=ashi, by=practitioner.user)
    assert refused.value.warnings[0].kind == "skin_lesion"
    elsewhere = {**ashi, "region": "lumbar_right"}
    services.add_placement(session=draft, data=elsewhere, by=practitioner.user)


def test_a_resolved_site_no_longer_warns_and_is_kept(as_practitioner, practitioner, draft):
    site = SkinLesionSiteFactory(patient=draft.patient, acupoint=point("BL25"))
    as_practitioner.post(url(draft, "lesion-resolve", pk=site.pk))
    site.refresh_from_db()
    assert site.resolved_at is not None and site.resolved_by == practitioner.user
    services.add_placement(session=draft, data=data("BL25"), by=practitioner.user)
    with pytest.raises(DatabaseError, match="never deleted"), transaction.atomic():
        SkinLesionSite.objects.filter(pk=site.pk).delete()


@pytest.mark.parametrize(
    "posted, message",
    [
        ({"description": "Eczema"}, "Name the point, the body-chart region, or both."),
        ({"acupoint": "ZZ99", "description": "Eczema"}, "is not a point code we know"),
        ({"acupoint": "BL23"}, "Say what is at the site"),
    ],
)
def test_an_incomplete_lesion_site_is_explained(as_practitioner, draft, posted, message):
    response = as_practitioner.post(url(draft, "lesion-add"), posted)
    assert message in response.content.decode()
    assert not SkinLesionSite.objects.exists()


# --- 2. The checks run again on the flags as they are later --------------------------------


def test_a_flag_added_after_placing_needs_its_override_before_needles_in_and_signing(
    as_practitioner, practitioner, draft
):
    for code in ("LI4", "SP6"):
        services.add_placement(session=draft, data=data(code, "left"), by=practitioner.user)
    Patient.objects.filter(pk=draft.patient_id).update(is_pregnant=True)

    with pytest.raises(services.SessionError, match="traditionally avoided in pregnancy"):
        services.needles_in(session=draft, by=practitioner.user)
    page = as_practitioner.get(step(draft, "sign")).content.decode()
    assert page.count('data-testid="pending-warning"') == 2

    li4 = draft.placements.get(acupoint__code="LI4")
    answered = as_practitioner.post(
        url(draft, "override"),
        {"placement": li4.pk, "kind": "pregnancy_point", "reason": "Discussed; low dose"},
        headers=HTMX,
    )
    assert "Reason recorded with the warning." in answered.content.decode()
    assert WarningOverride.objects.get().placement == li4
    sp6 = draft.placements.get(acupoint__code="SP6")
    services.override_warning(
        session=draft,
        placement_id=sp6.pk,
        kind="pregnancy_point",
        reason="Discussed",
        by=practitioner.user,
    )
    retained(draft, practitioner.user)
    assert problems(draft, practitioner.user) == []


def test_a_flag_added_after_needles_out_blocks_signing(practitioner, draft):
    services.add_placement(session=draft, data=data("BL60", "left"), by=practitioner.user)
    retained(draft, practitioner.user)
    Patient.objects.filter(pk=draft.patient_id).update(is_pregnant=True)
    assert any("BL60" in problem for problem in problems(draft, practitioner.user))
    with pytest.raises(services.SessionError):
        services.sign_session(session=draft, by=practitioner.user)
    assert not TreatmentSession.objects.get(pk=draft.pk).is_signed


def test_an_override_is_refused_without_a_reason_or_a_warning(as_practitioner, draft):
    placed = NeedlePlacementFactory(session=draft)
    no_reason = as_practitioner.post(
        url(draft, "override"), {"placement": placed.pk, "kind": "pregnancy_point", "reason": ""}
    )
    assert "Give the reason for going ahead" in no_reason.content.decode()
    nothing_to_answer = as_practitioner.post(
        url(draft, "override"),
        {"placement": placed.pk, "kind": "pregnancy_point", "reason": "x"},
    )
    assert "no longer applies" in nothing_to_answer.content.decode()
    odd = as_practitioner.post(url(draft, "override"), {"kind": "nonsense", "reason": "x"})
    assert odd.status_code == 200
    assert not WarningOverride.objects.exists()


# --- 3. Depth -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "code, depth, angle",
    [("GB21", "45", "perpendicular"), ("BL13", "40", "oblique"), ("GB21", "10", "perpendicular")],
)
def test_deep_or_perpendicular_needling_over_a_structure_needs_a_reason(
    as_practitioner, draft, code, depth, angle
):
    posted = placement(code, "left", needle=long_needle(), depth_mm=depth, angle=angle)
    refused = as_practitioner.post(url(draft, "placement-add"), posted).content.decode()
    assert f"{code} lies over the lung and pleura" in refused
    assert not NeedlePlacement.objects.exists()
    as_practitioner.post(url(draft, "placement-add"), {**posted, "override_reason": "Thick muscle"})
    assert WarningOverride.objects.get().kind == "depth_caution"


def test_shallow_oblique_needling_at_gb21_needs_no_reason(practitioner, draft):
    services.add_placement(
        session=draft, data=data("GB21", "left", depth_mm=Decimal("10")), by=practitioner.user
    )
    assert not WarningOverride.objects.exists()


def test_the_caution_depth_is_the_clinics_setting(practitioner, draft):
    ClinicSettings.objects.update_or_create(pk=1, defaults={"caution_depth_mm": Decimal("8")})
    with pytest.raises(services.NeedsOverride):
        services.add_placement(
            session=draft, data=data("GB21", "left", depth_mm=Decimal("10")), by=practitioner.user
        )


def test_a_depth_caution_point_needs_its_depth(as_practitioner, draft):
    response = as_practitioner.post(
        url(draft, "placement-add"), placement("GB21", "left", depth_mm="")
    )
    assert "Record the depth at GB21" in response.content.decode()


def test_a_depth_beyond_the_needle_is_refused_on_the_form_and_by_the_database(
    as_practitioner, draft
):
    response = as_practitioner.post(url(draft, "placement-add"), placement(depth_mm="60"))
    assert "more than the needle" in response.content.decode()
    assert not NeedlePlacement.objects.exists()
    with pytest.raises(IntegrityError, match="more than the needle"), transaction.atomic():
        NeedlePlacementFactory(session=draft, depth_mm=60)


def test_a_point_not_needled_is_refused_whatever_the_reason(as_practitioner, draft):
    response = as_practitioner.post(
        url(draft, "placement-add"), placement("ST17", "left", override_reason="Asked to")
    )
    assert "ST17 is not needled" in response.content.decode()
    with pytest.raises(IntegrityError, match="not needled"), transaction.atomic():
        NeedlePlacementFactory(session=draft, acupoint=point("CV8"), side="midline")
    assert not NeedlePlacement.objects.exists()


# --- 7. Cautions from the patient's flags ----------------------------------------------------


def test_bleeding_risk_needs_pressure_after_removal_which_can_be_added_later(
    as_practitioner, practitioner
):
    session = TreatmentSessionFactory(
        practitioner=practitioner, patient=PatientFactory(bleeding_risk=True)
    )
    NeedlePlacementFactory(session=session)
    retained(session, practitioner.user)
    assert any("pressure was applied" in p for p in problems(session, practitioner.user))
    as_practitioner.post(
        url(session, "after-removal"),
        {"version": session.version, "pressure_applied_after_removal": "on"},
    )
    assert problems(session, practitioner.user) == []


def test_needle_phobia_means_lying_down(as_practitioner, practitioner):
    session = TreatmentSessionFactory(
        practitioner=practitioner, patient=PatientFactory(needle_phobia_or_fainting=True)
    )
    NeedlePlacementFactory(session=session)
    seated = as_practitioner.post(url(session, "needles-in"), {"patient_position": "seated"})
    assert "treat them lying down" in seated.content.decode()
    assert TreatmentSession.objects.get(pk=session.pk).needles_in_at is None
    as_practitioner.post(url(session, "needles-in"), {"patient_position": "supine"})
    assert TreatmentSession.objects.get(pk=session.pk).patient_position == "supine"


def test_a_fainting_history_recorded_after_a_seated_treatment_needs_a_reason(practitioner, draft):
    TreatmentSession.objects.filter(pk=draft.pk).update(patient_position="seated")
    draft.refresh_from_db()
    NeedlePlacementFactory(session=draft)
    retained(draft, practitioner.user)
    Patient.objects.filter(pk=draft.patient_id).update(needle_phobia_or_fainting=True)
    assert any("should lie down" in p for p in problems(draft, practitioner.user))
    services.override_warning(
        session=draft,
        placement_id=None,
        kind="not_lying_down",
        reason="Flag recorded after the visit; patient was well",
        by=practitioner.user,
    )
    assert problems(draft, practitioner.user) == []


def test_the_position_is_chosen_before_the_needles_go_in(as_practitioner, practitioner):
    session = TreatmentSessionFactory(practitioner=practitioner, patient_position="")
    NeedlePlacementFactory(session=session)
    response = as_practitioner.post(url(session, "needles-in"), {})
    assert "Choose the patient&#x27;s position" in response.content.decode()
    assert TreatmentSession.objects.get(pk=session.pk).needles_in_at is None


# --- 8. Extra points -------------------------------------------------------------------------


def test_midline_extra_points_take_no_side(as_practitioner, draft):
    as_practitioner.post(url(draft, "placement-add"), placement("EX-B8", ""))
    assert NeedlePlacement.objects.get().side == "midline"
    refused = as_practitioner.post(url(draft, "placement-add"), placement("EX-HN3", "left"))
    assert "EX-HN3 takes no side" in refused.content.decode()


def test_yaotongdian_counts_two_needles_a_hand(as_practitioner, draft):
    as_practitioner.post(url(draft, "placement-add"), placement("EX-UE7", "bilateral"))
    assert NeedlePlacement.objects.get().needle_count == 4
    as_practitioner.post(
        url(draft, "placement-add"), placement("EX-UE7", "left", points_needled="1")
    )
    assert services.needles_inserted(draft) == 5
    too_many = as_practitioner.post(
        url(draft, "placement-add"), placement("EX-UE7", "left", points_needled="3")
    )
    assert "EX-UE7 has 2 points on each side" in too_many.content.decode()


def test_jiaji_names_its_levels_and_the_count_follows(as_practitioner, draft):
    missing = as_practitioner.post(url(draft, "placement-add"), placement("EX-B2", "bilateral"))
    assert "Choose the EX-B2 levels needled" in missing.content.decode()
    as_practitioner.post(
        url(draft, "placement-add"),
        placement("EX-B2", "bilateral", named_points=["L5", "L3", "L4"]),
    )
    jiaji = NeedlePlacement.objects.get()
    assert jiaji.named_points == ["L3", "L4", "L5"] and jiaji.needle_count == 6
    page = as_practitioner.get(step(draft, "needles")).content.decode()
    assert "L3, L4, L5" in page


def test_the_database_holds_the_side_and_count_rules(draft):
    with pytest.raises(IntegrityError, match="one each"), transaction.atomic():
        NeedlePlacementFactory(session=draft, acupoint=point("EX-B2"), named_points=["L9"])
    with pytest.raises(IntegrityError, match="2 point"), transaction.atomic():
        NeedlePlacementFactory(session=draft, acupoint=point("EX-UE7"), points_needled=3)
    with pytest.raises(IntegrityError, match="left only"), transaction.atomic():
        NeedlePlacementFactory(session=draft, acupoint=point("EX-HN12"), side="right")
    with pytest.raises(IntegrityError, match="group"), transaction.atomic():
        NeedlePlacementFactory(session=draft, acupoint=point("EX-HN1"), side="left")
    group = NeedlePlacementFactory(
        session=draft, acupoint=point("EX-HN1"), side="midline", points_needled=4
    )
    assert group.needle_count == 4


# --- 10. The retention reason after the needles are out ---------------------------------------


def test_a_retention_reason_can_be_added_after_the_needles_are_out(as_practitioner, practitioner):
    session = TreatmentSessionFactory(practitioner=practitioner)
    NeedlePlacementFactory(session=session)
    retained(session, practitioner.user, minutes=25)
    ClinicSettings.objects.update_or_create(
        pk=1, defaults={"retention_min_minutes": 30, "retention_max_minutes": 40}
    )
    assert any("give a reason" in p for p in problems(session, practitioner.user))
    as_practitioner.post(
        url(session, "after-removal"),
        {"version": session.version, "retention_reason": "Patient felt dizzy"},
    )
    session.refresh_from_db()
    assert session.retention_reason == "Patient felt dizzy"
    assert problems(session, practitioner.user) == []


# --- 12. The smaller mends -------------------------------------------------------------------


def test_the_red_flag_banner_says_treated_only_with_its_reason(as_practitioner, practitioner):
    session = TreatmentSessionFactory(
        practitioner=practitioner, red_flags=["night_pain"], red_flag_decision="treated"
    )
    page = as_practitioner.get(url(session, "record"), follow=True).content.decode()
    assert "Treated, with reason recorded" not in page
    assert "No notes recorded." in page


def test_needling_after_an_emergency_referral_needs_a_confirming_note(practitioner):
    session = TreatmentSessionFactory(
        practitioner=practitioner,
        red_flags=["cauda_equina"],
        red_flag_decision="referred_emergency",
    )
    NeedlePlacementFactory(session=session)
    retained(session, practitioner.user)
    assert any("emergency care and needled" in p for p in problems(session, practitioner.user))


def test_one_minute_is_singular(as_practitioner, practitioner):
    session = TreatmentSessionFactory(practitioner=practitioner)
    NeedlePlacementFactory(session=session)
    retained(session, practitioner.user, minutes=1, retention_reason="Patient asked")
    page = as_practitioner.get(step(session, "retention")).content.decode()
    assert "1 minute " in page and "1 minutes" not in page


def test_protocols_and_copy_are_offered_only_when_there_is_something(
    as_practitioner, practitioner, draft
):
    page = as_practitioner.get(step(draft, "needles")).content.decode()
    assert 'data-testid="no-protocols"' in page and "Saved protocol" not in page
    assert 'data-testid="no-last-session"' in page and "Copy from last session</button>" not in page
    ProtocolFactory(practitioner=practitioner)
    page = as_practitioner.get(step(draft, "needles")).content.decode()
    assert "Saved protocol" in page


def test_the_red_flag_banner_refreshes_when_the_assessment_is_saved(as_practitioner, draft):
    from sessions.forms import AssessmentForm

    form = AssessmentForm(instance=draft)
    posted = {
        name: form[name].value() for name in form.fields if form[name].value() not in (None, False)
    }
    posted.update(red_flags=["night_pain"], contraindications_reviewed="on")
    response = as_practitioner.post(url(draft, "assessment"), posted, headers=HTMX)
    page = response.content.decode()
    assert '<div id="red-flag-banner" hx-swap-oob="true">' in page
    assert "Red flags ticked:" in page


def test_opening_the_clinical_flags_form_is_audited(client_for, practitioner, draft):
    client_for(practitioner.user).get(f"/patients/{draft.patient.uuid}/clinical-flags/")
    event = AuditEvent.objects.get(action="patients.clinical_flags.viewed")
    assert event.patient_id == draft.patient_id


# --- 7. Informed consent before the first needling ---------------------------------------


def test_no_needles_go_in_without_consent_on_file(as_practitioner, practitioner):
    session = TreatmentSessionFactory(practitioner=practitioner, consented=False)
    NeedlePlacementFactory(session=session)
    response = as_practitioner.post(url(session, "needles-in"), {"patient_position": "prone"})
    assert "consent" in response.content.decode().lower()
    assert TreatmentSession.objects.get(pk=session.pk).needles_in_at is None


def test_a_minor_needs_a_guardians_consent(practitioner):
    today = timezone.localdate()
    minor = PatientFactory(date_of_birth=today.replace(year=today.year - 14))
    session = TreatmentSessionFactory(practitioner=practitioner, patient=minor, consented=False)
    NeedlePlacementFactory(session=session)
    ConsentFactory(patient=minor)  # the child's own signature is not enough
    with pytest.raises(services.SessionError, match="under 18"):
        services.needles_in(session=session, by=practitioner.user)
    ConsentFactory(patient=minor, guardian=True)
    services.needles_in(session=session, by=practitioner.user)


def test_sign_off_asks_for_consent_as_it_stood_when_the_needles_went_in(practitioner):
    session = TreatmentSessionFactory(practitioner=practitioner, consented=False)
    NeedlePlacementFactory(session=session)
    ConsentFactory(patient=session.patient, given_at=timezone.now() - datetime.timedelta(hours=1))
    retained(session, practitioner.user)
    assert problems(session, practitioner.user) == []
    # A withdrawal afterwards does not undo a treatment given with consent...
    withdraw_consent(patient=session.patient, by=practitioner.user)
    assert problems(session, practitioner.user) == []
    # ...but needles recorded as in before any consent cannot be signed.
    TreatmentSession.objects.filter(pk=session.pk).update(
        needles_in_at=timezone.now() - datetime.timedelta(hours=2),
        needles_out_at=timezone.now()
        - datetime.timedelta(hours=2)
        + datetime.timedelta(minutes=25),
    )
    assert any("consent" in p for p in problems(session, practitioner.user))


def test_the_clinic_admin_sets_the_caution_depth(client_for, clinic_admin):
    ClinicSettings.load()
    page = client_for(clinic_admin).get("/admin/clinic/clinicsettings/1/change/")
    assert 'name="caution_depth_mm"' in page.content.decode()


def test_a_signed_record_shows_jiaji_levels_and_the_lesion_sites_reviewed(
    client_for, practitioner, draft
):
    SkinLesionSiteFactory(patient=draft.patient, acupoint=point("BL25"), side="left")
    services.add_placement(
        session=draft,
        data=data("EX-B2", named_points=["L4", "L5"], points_needled=2),
        by=practitioner.user,
    )
    retained(draft, practitioner.user)
    services.sign_session(session=draft, by=practitioner.user)
    draft.refresh_from_db()
    assert "Skin-lesion site: BL25 left: Eczema left lower back" in draft.signed_flags
    for path in (url(draft, "record"), url(draft, "print")):
        page = client_for(practitioner.user).get(path).content.decode()
        assert "EX-B2</strong> Jiaji" in page and "L4, L5" in page


def test_removing_a_placement_takes_its_override_with_it(practitioner, draft):
    Patient.objects.filter(pk=draft.patient_id).update(is_pregnant=True)
    placed = services.add_placement(
        session=draft, data=data("SP6", "left"), by=practitioner.user, override_reason="Asked"
    )
    services.remove_placement(placement=placed, by=practitioner.user)
    assert not WarningOverride.objects.filter(session=draft).exists()


def test_a_signature_the_database_refuses_is_a_message_not_an_error(
    as_practitioner, practitioner, draft
):
    """sign_problems is the first judge; PostgreSQL's signing guard the last. A
    licence that expired between the two (forced here by a plain UPDATE of the
    practitioner, past the checklist's cache) is refused with a message."""
    from unittest import mock

    NeedlePlacementFactory(session=draft)
    retained(draft, practitioner.user)
    Practitioner = type(practitioner)
    Practitioner.objects.filter(pk=practitioner.pk).update(
        licence_expiry=timezone.localdate() - datetime.timedelta(days=1)
    )
    with mock.patch("sessions.services.sign_problems", return_value=[]):
        response = as_practitioner.post(
            url(draft, "sign"), {"version": draft.version, "checked": "on"}
        )
    assert "The record was not signed" in response.content.decode()
    assert not TreatmentSession.objects.get(pk=draft.pk).is_signed
