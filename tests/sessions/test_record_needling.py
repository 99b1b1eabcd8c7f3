"""Recording a session, the needles: placements typed by code (with the point
typeahead's help), the safety warnings that need an override with a reason,
protocols and 'copy from last session', needles in and out, the count."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from sessions import services
from sessions.models import NeedlePlacement, TreatmentSession, WarningOverride
from tests.factories import PatientFactory
from tests.factories.sessions import (
    NeedlePlacementFactory,
    ProtocolFactory,
    ProtocolPointFactory,
    TreatmentSessionFactory,
    needle,
    patient_with,
    point,
)

pytestmark = pytest.mark.django_db
HTMX = {"HX-Request": "true"}
DEFAULT_NEEDLE = "the clinic's first needle"  # looked up when posted, not when collected


def post(client, path, data=None, **kwargs):
    data = dict(data or {})
    if data.get("needle") == DEFAULT_NEEDLE:
        data["needle"] = needle().pk
    return client.post(path, data, **kwargs)


def url(session, name, **kwargs):
    return reverse(f"records:{name}", kwargs={"uuid": session.uuid, **kwargs})


def step(session, slug):
    return reverse("records:step", kwargs={"uuid": session.uuid, "step": slug})


def placement(code="BL23", side="bilateral", **extra):
    return {
        "acupoint": code,
        "side": side,
        "needle": DEFAULT_NEEDLE,
        "depth_mm": "20",
        "angle": "perpendicular",
        "stimulation": "none",
        **extra,
    }


@pytest.fixture
def patient(db):
    return PatientFactory(last_name="Lumbar")


@pytest.fixture
def draft(practitioner, patient):
    return TreatmentSessionFactory(practitioner=practitioner, patient=patient)


@pytest.fixture
def as_practitioner(client, practitioner):
    client.force_login(practitioner.user)
    return client


# --- Placements ----------------------------------------------------------------------


def test_a_placement_is_added_by_code_and_bilateral_counts_as_two(as_practitioner, draft):
    response = post(
        as_practitioner,
        url(draft, "placement-add"),
        placement(
            "bl 23", de_qi="on", notes="Strong de qi", stimulation="manual", manual_method="even"
        ),
        follow=True,
    )
    added = NeedlePlacement.objects.get()
    assert (added.acupoint.code, added.side, added.de_qi) == ("BL23", "bilateral", True)
    assert added.depth_mm == 20 and added.manual_method == "even"
    page = response.content.decode()
    assert "BL23 bilateral added (2 needles)." in page
    assert 'data-testid="needles-inserted">2 (one per point needled on each side)' in page


def test_older_aliases_and_typeahead_choices_are_accepted(as_practitioner, draft):
    post(as_practitioner, url(draft, "placement-add"), placement("LV3", "left"))
    post(as_practitioner, url(draft, "placement-add"), placement("SJ5 Waiguan", "right"))
    assert [p.acupoint.code for p in draft.placements.all()] == ["LR3", "TE5"]


def test_a_midline_point_takes_no_side(as_practitioner, draft):
    post(as_practitioner, url(draft, "placement-add"), placement("GV4", ""))
    assert NeedlePlacement.objects.get().side == "midline"

    response = post(as_practitioner, url(draft, "placement-add"), placement("CV6", "left"))
    assert "CV6 takes no side (a midline point or a group of points)." in (
        response.content.decode()
    )
    assert NeedlePlacement.objects.count() == 1


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (placement("XX99"), "“XX99” is not a point code we know"),
        (placement("BL99"), "“BL99” is not a point code we know"),
        (placement(""), "Type the point&#x27;s code"),
        (placement("BL23", ""), "Choose the side for BL23"),
        (placement("BL23", "midline"), "BL23 is not a midline point"),
        (placement("BL23", "upside-down"), "Select a valid choice"),
        (placement("ASHI", "left"), "An Ashi point needs its location"),
        (placement(stimulation="electro"), "Give the electroacupuncture frequency"),
        (
            placement(stimulation="electro", ea_frequency="2/100"),
            "Give the electroacupuncture minutes",
        ),
        (
            placement(stimulation="electro", ea_frequency="2", ea_minutes="lots"),
            "Enter a whole number",
        ),
        (placement(stimulation="manual"), "Choose the manual method"),
        (placement(stimulation="laser"), "Select a valid choice"),
        (placement(depth_mm="deep"), "Enter a number"),
        (placement(depth_mm="250"), "less than or equal to 100"),
        (placement(depth_mm="0"), "greater than or equal to 0.1"),
        (placement(needle="999999"), "Choose a needle from the clinic"),
        (placement(needle="abc"), "Choose a needle from the clinic"),
    ],
)
def test_odd_placement_input_is_explained_and_nothing_is_saved(
    as_practitioner, draft, data, message
):
    response = post(as_practitioner, url(draft, "placement-add"), data)
    assert response.status_code == 200
    assert message in response.content.decode()
    assert not NeedlePlacement.objects.exists()


def test_an_ashi_point_with_its_location(as_practitioner, draft):
    post(
        as_practitioner,
        url(draft, "placement-add"),
        placement(
            "Ashi", "left", ashi_location="2 cm lateral to L4 spinous process", region="lumbar_left"
        ),
    )
    added = NeedlePlacement.objects.get()
    assert added.acupoint.kind == "ashi" and added.ashi_location.startswith("2 cm lateral")
    assert added.region == "lumbar_left"


def test_an_ashi_point_needs_its_region(as_practitioner, draft):
    response = post(
        as_practitioner,
        url(draft, "placement-add"),
        placement("Ashi", "left", ashi_location="2 cm lateral to L4 spinous process"),
    )
    assert "Choose where the Ashi point is" in response.content.decode()
    assert not NeedlePlacement.objects.exists()


def test_an_inactive_needle_cannot_be_chosen(as_practitioner, draft):
    retired = needle()
    retired.is_active = False
    retired.save(update_fields=["is_active"])
    response = post(as_practitioner, url(draft, "placement-add"), placement(needle=retired.pk))
    assert "Choose a needle from the clinic" in response.content.decode()


def test_with_htmx_the_needles_section_comes_back_ready_for_the_next_point(as_practitioner, draft):
    response = post(as_practitioner, url(draft, "placement-add"), placement(), headers=HTMX)
    page = response.content.decode()
    assert page.lstrip().startswith('<section id="section-needles"')
    assert "data-focus-after-swap" in page  # the point field, for the next one
    # Out of band: the steps (needles now done) and the summary; no other step's forms.
    nav = page.split('<nav id="record-steps"')[1].split("</nav>")[0]
    assert 'hx-swap-oob="true"' in nav
    assert nav.split('data-testid="step-state">')[2].startswith("done<")
    assert 'id="section-sign"' not in page and 'id="assessment_version"' not in page


def test_a_placement_is_removed_until_the_needles_go_in(as_practitioner, practitioner, draft):
    first = NeedlePlacementFactory(session=draft)
    as_practitioner.post(url(draft, "placement-remove", pk=first.pk))
    assert not NeedlePlacement.objects.exists()

    second = NeedlePlacementFactory(session=draft)
    services.needles_in(session=draft, by=practitioner.user)
    response = as_practitioner.post(url(draft, "placement-remove", pk=second.pk))
    assert "Needles are in: placements can no longer be removed" in response.content.decode()
    assert NeedlePlacement.objects.filter(pk=second.pk).exists()


def test_a_placement_of_another_record_is_not_found(as_practitioner, practitioner, draft):
    elsewhere = NeedlePlacementFactory(session=TreatmentSessionFactory(practitioner=practitioner))
    response = as_practitioner.post(url(draft, "placement-remove", pk=elsewhere.pk))
    assert response.status_code == 404
    assert NeedlePlacement.objects.filter(pk=elsewhere.pk).exists()


# --- Safety warnings: an explicit override with a reason ----------------------------------


@pytest.mark.parametrize(
    ("flags", "data", "warning"),
    [
        (
            {"is_pregnant": True},
            placement("LI4", "left"),
            "LI4 is traditionally avoided in pregnancy",
        ),
        (
            {"has_implanted_device": True},
            placement(stimulation="electro", ea_frequency="2", ea_minutes="20"),
            "pacemaker or implanted electrical device: no electroacupuncture",
        ),
        (
            {"lesion_at": "BL25", "skin_conditions": "Eczema left lower back"},
            placement("BL25", "left"),
            "BL25 falls on a recorded skin-lesion site (BL25: Eczema left lower back)",
        ),
    ],
    ids=["pregnancy", "device", "skin lesion"],
)
def test_a_warning_needs_a_reason_which_is_kept(
    as_practitioner, practitioner, flags, data, warning
):
    session = TreatmentSessionFactory(practitioner=practitioner, patient=patient_with(flags))

    first = post(as_practitioner, url(session, "placement-add"), data)

    page = first.content.decode()
    assert first.status_code == 200
    assert 'data-testid="override-warnings"' in page and warning in page
    assert "Reason for going ahead" in page
    assert not NeedlePlacement.objects.exists() and not WarningOverride.objects.exists()

    second = post(
        as_practitioner,
        url(session, "placement-add"),
        {**data, "override_reason": "Discussed with the patient; benefit outweighs the risk"},
        follow=True,
    )

    override = WarningOverride.objects.get()
    assert override.placement == NeedlePlacement.objects.get()
    assert override.reason == "Discussed with the patient; benefit outweighs the risk"
    assert override.by == practitioner.user
    page = second.content.decode()
    assert 'data-testid="overrides"' in page and "benefit outweighs the risk" in page


def test_a_blank_reason_is_no_override(as_practitioner, practitioner):
    session = TreatmentSessionFactory(
        practitioner=practitioner, patient=PatientFactory(is_pregnant=True)
    )
    response = post(
        as_practitioner,
        url(session, "placement-add"),
        placement("SP6", "left", override_reason="   "),
    )
    assert "Give a reason for going ahead" in response.content.decode()
    assert not NeedlePlacement.objects.exists()


# --- Protocols and the last session ------------------------------------------------------


@pytest.fixture
def lumbar_protocol(practitioner):
    protocol = ProtocolFactory(practitioner=practitioner, name="Lumbar strain")
    for position, (code, side) in enumerate(
        [("BL23", "bilateral"), ("BL25", "bilateral"), ("BL40", "bilateral"), ("GV4", "midline")]
    ):
        # BL40 lies over the popliteal vessels: oblique and shallow, as the protocol says.
        ProtocolPointFactory(
            protocol=protocol,
            position=position,
            acupoint=point(code),
            side=side,
            **({"angle": "oblique", "depth_mm": 12} if code == "BL40" else {}),
        )
    return protocol


def test_a_protocol_is_applied_in_one_click_then_edited(as_practitioner, draft, lumbar_protocol):
    response = as_practitioner.post(
        url(draft, "apply-protocol"), {"protocol": lumbar_protocol.uuid}, follow=True
    )
    codes = [p.acupoint.code for p in draft.placements.all()]
    assert codes == ["BL23", "BL25", "BL40", "GV4"]
    page = response.content.decode()
    assert "Protocol “Lumbar strain”: 4 points added." in page
    assert 'data-testid="needles-inserted">7 (one per point needled on each side)' in page

    bl40 = draft.placements.get(acupoint__code="BL40")
    as_practitioner.post(url(draft, "placement-remove", pk=bl40.pk))
    assert draft.placements.count() == 3


def test_another_practitioners_protocol_cannot_be_applied(
    as_practitioner, other_practitioner, draft
):
    theirs = ProtocolFactory(practitioner=other_practitioner, name="Theirs")
    ProtocolPointFactory(protocol=theirs)
    response = as_practitioner.post(url(draft, "apply-protocol"), {"protocol": theirs.uuid})
    assert "Choose one of your protocols." in response.content.decode()
    assert not NeedlePlacement.objects.exists()


@pytest.mark.parametrize("value", ["", "garbage", "00000000-0000-4000-8000-000000000000"])
def test_an_odd_protocol_choice_is_explained(as_practitioner, draft, value):
    response = as_practitioner.post(url(draft, "apply-protocol"), {"protocol": value})
    assert response.status_code == 200
    assert "Choose one of your protocols." in response.content.decode()


def test_a_protocol_point_with_a_warning_is_left_out_and_the_rest_kept(
    as_practitioner, practitioner, lumbar_protocol
):
    ProtocolPointFactory(protocol=lumbar_protocol, position=9, acupoint=point("SP6"), side="left")
    session = TreatmentSessionFactory(
        practitioner=practitioner, patient=PatientFactory(is_pregnant=True)
    )
    response = as_practitioner.post(
        url(session, "apply-protocol"), {"protocol": lumbar_protocol.uuid}, follow=True
    )
    assert [p.acupoint.code for p in session.placements.all()] == ["BL23", "BL25", "BL40", "GV4"]
    assert "Not added: SP6 (safety warning: add it on its own)" in response.content.decode()


def test_copy_from_the_last_signed_session(as_practitioner, practitioner, patient, draft):
    earlier = TreatmentSessionFactory(
        practitioner=practitioner,
        patient=patient,
        session_date=timezone.localdate() - datetime.timedelta(days=7),
    )
    NeedlePlacementFactory(
        session=earlier, acupoint=point("BL40"), side="left", depth_mm=12, angle="oblique"
    )
    NeedlePlacementFactory(session=earlier, acupoint=point("GV3"), side="midline")
    services.needles_in(session=earlier, by=practitioner.user)
    TreatmentSession.objects.filter(pk=earlier.pk).update(
        needles_in_at=timezone.now() - datetime.timedelta(minutes=22)
    )
    services.needles_out(session=earlier, by=practitioner.user, removed=2)
    services.sign_session(session=earlier, by=practitioner.user)

    page = as_practitioner.get(step(draft, "needles")).content.decode()
    assert "Copy from last session" in page

    as_practitioner.post(url(draft, "copy-last"))

    copied = list(draft.placements.all())
    assert [(p.acupoint.code, p.side) for p in copied] == [("BL40", "left"), ("GV3", "midline")]
    assert (copied[0].depth_mm, copied[0].angle) == (12, "oblique")


def test_copy_without_an_earlier_session_explains(as_practitioner, draft):
    response = as_practitioner.post(url(draft, "copy-last"))
    assert "no earlier signed session to copy from" in response.content.decode()


# --- Needles in and out ----------------------------------------------------------------------


def test_needles_in_needs_placements(as_practitioner, draft):
    response = as_practitioner.post(url(draft, "needles-in"), {"patient_position": "prone"})
    assert "Record the needle placements before the needles go in." in response.content.decode()
    draft.refresh_from_db()
    assert draft.needles_in_at is None


def test_needles_in_records_the_server_time_and_shows_a_running_timer(as_practitioner, draft):
    NeedlePlacementFactory(session=draft)
    before = timezone.now()
    response = as_practitioner.post(
        url(draft, "needles-in"), {"patient_position": "prone"}, follow=True
    )
    draft.refresh_from_db()
    assert before <= draft.needles_in_at <= timezone.now()
    page = response.content.decode()
    assert "data-retention-timer" in page
    assert (
        f'data-started-at="{draft.needles_in_at.astimezone(timezone.get_current_timezone()).isoformat()}"'
        in page
    )
    assert 'data-alert-min="20" data-alert-max="30"' in page
    assert "Inserted: 2 needles</strong> (one per point needled on each side)" in page


def _needles_in(session, practitioner, minutes_ago):
    NeedlePlacementFactory(session=session)
    NeedlePlacementFactory(session=session, acupoint=point("GV4"), side="midline")
    services.needles_in(session=session, by=practitioner.user)
    TreatmentSession.objects.filter(pk=session.pk).update(
        needles_in_at=timezone.now() - datetime.timedelta(minutes=minutes_ago)
    )


def test_the_page_alerts_in_words_at_the_minimum_and_the_maximum(
    as_practitioner, practitioner, draft
):
    _needles_in(draft, practitioner, 21)
    page = as_practitioner.get(step(draft, "retention")).content.decode()
    assert "20 minutes reached: the needles may come out when ready." in page
    TreatmentSession.objects.filter(pk=draft.pk).update(
        needles_in_at=timezone.now() - datetime.timedelta(minutes=31)
    )
    page = as_practitioner.get(step(draft, "retention")).content.decode()
    assert "30 minutes reached: remove the needles now" in page


def test_needles_out_records_the_count_and_the_computed_retention(
    as_practitioner, practitioner, draft
):
    _needles_in(draft, practitioner, 25)
    response = as_practitioner.post(
        url(draft, "needles-out"), {"removed": "3", "pressure_applied": "on"}, follow=True
    )
    draft.refresh_from_db()
    assert draft.needles_removed == 3 and draft.retention_minutes == 25
    assert draft.pressure_applied_after_removal
    page = response.content.decode()
    assert "Needle count: 3 in, 3 out: reconciled ✓" in page
    assert 'data-testid="retention-minutes">25 minutes' in page


def test_a_retention_outside_the_range_needs_a_reason(as_practitioner, practitioner, draft):
    _needles_in(draft, practitioner, 12)
    response = as_practitioner.post(url(draft, "needles-out"), {"removed": "3"})
    assert "The retention would be 12 minutes, outside the clinic&#x27;s 20–30" in (
        response.content.decode()
    )
    draft.refresh_from_db()
    assert draft.needles_out_at is None

    as_practitioner.post(
        url(draft, "needles-out"), {"removed": "3", "retention_reason": "Patient felt dizzy"}
    )
    draft.refresh_from_db()
    assert draft.retention_minutes == 12 and draft.retention_reason == "Patient felt dizzy"


def test_the_range_is_the_clinics_setting(as_practitioner, practitioner, draft):
    from clinic.models import ClinicSettings

    settings = ClinicSettings.load()
    settings.retention_min_minutes, settings.retention_max_minutes = 10, 15
    settings.save()
    _needles_in(draft, practitioner, 12)
    as_practitioner.post(url(draft, "needles-out"), {"removed": "3"})
    draft.refresh_from_db()
    assert draft.needles_out_at is not None and draft.retention_reason == ""


@pytest.mark.parametrize("removed", ["", "three", "-1", "2.5"])
def test_odd_needle_counts_are_explained(as_practitioner, practitioner, draft, removed):
    _needles_in(draft, practitioner, 25)
    response = as_practitioner.post(url(draft, "needles-out"), {"removed": removed})
    assert response.status_code == 200
    draft.refresh_from_db()
    assert draft.needles_out_at is None


def test_needles_out_before_in_is_refused(as_practitioner, draft):
    NeedlePlacementFactory(session=draft)
    response = as_practitioner.post(url(draft, "needles-out"), {"removed": "2"})
    assert "Needles-in time is not recorded yet." in response.content.decode()
