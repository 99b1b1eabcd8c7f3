"""Recording a session, the sections a draft is written in: assessment,
follow-up, adverse events, sign-off and addenda, through HTTP as the browser
sends them (with and without htmx). Odd input is explained in the form and
nothing is saved; a signed record refuses every change with a message."""

import datetime
from urllib.parse import parse_qs, urlsplit

import pytest
from django.urls import reverse
from django.utils import timezone

from audit.models import AuditEvent
from sessions import services
from sessions.forms import AssessmentForm, FollowUpForm
from sessions.models import Addendum, AdverseEvent, TreatmentSession
from tests.factories import PatientFactory
from tests.factories.scheduling import AppointmentFactory
from tests.factories.sessions import NeedlePlacementFactory, TreatmentSessionFactory, needle, point

pytestmark = pytest.mark.django_db
HTMX = {"HX-Request": "true"}


def url(session, name):
    return reverse(f"records:{name}", kwargs={"uuid": session.uuid})


def step(session, slug):
    return reverse("records:step", kwargs={"uuid": session.uuid, "step": slug})


def form_data(form, **changes):
    """What the browser posts for an unchanged form, with ``changes`` on top."""
    data = {}
    for name in form.fields:
        value = form[name].value()
        if value is None or value is False:
            continue
        data[name] = "on" if value is True else value
    for name, value in changes.items():
        if value is None:
            data.pop(name, None)
        else:
            data[name] = value
    return data


def assessment(session, **changes):
    session.refresh_from_db()
    return form_data(AssessmentForm(instance=session), **changes)


def follow_up(session, **changes):
    session.refresh_from_db()
    return form_data(FollowUpForm(instance=session), **changes)


def treated(session, practitioner, *, removed=3, minutes=25):
    """BL23 bilateral and GV4: three needles in for ``minutes``, ``removed`` out."""
    NeedlePlacementFactory(session=session)
    NeedlePlacementFactory(session=session, acupoint=point("GV4"), side="midline")
    services.needles_in(session=session, by=practitioner.user)
    TreatmentSession.objects.filter(pk=session.pk).update(
        needles_in_at=timezone.now() - datetime.timedelta(minutes=minutes)
    )
    services.needles_out(session=session, by=practitioner.user, removed=removed)
    session.refresh_from_db()
    return session


@pytest.fixture
def draft(practitioner):
    return TreatmentSessionFactory(
        practitioner=practitioner, patient=PatientFactory(last_name="Lumbar")
    )


@pytest.fixture
def as_practitioner(client, practitioner):
    client.force_login(practitioner.user)
    return client


# --- Assessment ----------------------------------------------------------------------


def test_the_assessment_is_saved_and_audited_without_values(as_practitioner, draft):
    data = assessment(
        draft,
        presenting_complaint="Ache after gardening",
        pain_locations=["lumbar_left", "buttock_left"],
        pain_cause="herniated_disc",
        nprs_now="7",
        nprs_best="3",
        nprs_worst="9",
        odi_pain_intensity="3",
        odi_lifting="0",
        rmdq_score="12",
        red_flags=["age"],
        red_flag_decision="treated",
        red_flag_notes="Long history, examined, no neurology",
        tcm_pattern="Qi and blood stagnation",
    )
    response = as_practitioner.post(url(draft, "assessment"), data)

    assert response.status_code == 302
    assert response["Location"] == step(draft, "assessment") + "#section-assessment"
    draft.refresh_from_db()
    assert draft.pain_locations == ["lumbar_left", "buttock_left"]
    assert (draft.nprs_now, draft.nprs_best, draft.nprs_worst) == (7, 3, 9)
    assert (draft.odi_pain_intensity, draft.odi_lifting, draft.odi_walking) == (3, 0, None)
    assert draft.red_flags == ["age"] and draft.tcm_pattern == "Qi and blood stagnation"
    event = AuditEvent.objects.get(action="sessions.assessment.changed")
    assert "nprs_now" in event.data["changed_fields"]
    assert "7" not in str(event.data) and "gardening" not in str(event.data)
    page = as_practitioner.get(response["Location"]).content.decode()
    assert "Assessment saved." in page


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("nprs_now", "11", "less than or equal to 10"),
        ("nprs_worst", "-1", "greater than or equal to 0"),
        ("nprs_best", "seven", "Enter a whole number"),
        ("odi_sitting", "6", "Select a valid choice"),
        ("odi_walking", "two", "Select a valid choice"),
        ("rmdq_score", "25", "less than or equal to 24"),
        ("pain_locations", ["lumbar_left", "neck"], "Select a valid choice"),
        ("red_flags", ["aliens"], "Select a valid choice"),
        ("pain_cause", "stress", "Select a valid choice"),
        ("pain_cause", "other", "Describe the other cause"),
        ("version", "", "reload it and try again"),
    ],
)
def test_odd_assessment_input_is_explained_and_nothing_is_saved(
    as_practitioner, draft, field, value, message
):
    before = draft.version
    data = assessment(draft, presenting_complaint="Changed", **{field: value})

    response = as_practitioner.post(url(draft, "assessment"), data)

    assert response.status_code == 200
    page = response.content.decode()
    assert message in page and "Nothing was saved" in page
    assert 'value="Changed"' not in page or "Changed</textarea>" in page  # the form as typed
    draft.refresh_from_db()
    assert draft.presenting_complaint == "Lower back pain after lifting"
    assert draft.version == before


def test_an_assessment_from_an_out_of_date_page_is_refused(as_practitioner, draft):
    stale = assessment(draft, nprs_now="2")
    services.add_placement(
        session=draft,
        data={"acupoint": point("BL23"), "side": "left", "needle": needle(), "stimulation": "none"},
        by=draft.practitioner.user,
    )
    response = as_practitioner.post(url(draft, "assessment"), stale)
    assert "changed since you opened it" in response.content.decode()
    draft.refresh_from_db()
    assert draft.nprs_now == 6


def test_with_htmx_the_section_comes_back_with_the_steps_and_summary_out_of_band(
    as_practitioner, draft
):
    TreatmentSession.objects.filter(pk=draft.pk).update(contraindications_reviewed=False)
    response = as_practitioner.post(
        url(draft, "assessment"), assessment(draft, contraindications_reviewed="on"), headers=HTMX
    )
    page = response.content.decode()
    assert response.status_code == 200 and "<html" not in page
    assert page.lstrip().startswith('<section id="section-assessment"')
    assert "Assessment saved." in page
    # The step navigation now says the assessment is done; the banner follows.
    nav = page.split('<nav id="record-steps"')[1].split("</nav>")[0]
    assert nav.startswith(' class="record-steps') and 'hx-swap-oob="true"' in nav
    assert nav.split('data-testid="step-state">')[1].startswith("done<")
    assert '<div id="red-flag-banner" hx-swap-oob="true">' in page
    assert 'id="section-sign"' not in page  # another step: not on the page


def test_with_htmx_form_errors_stay_in_the_section(as_practitioner, draft):
    response = as_practitioner.post(
        url(draft, "assessment"), assessment(draft, nprs_now="11"), headers=HTMX
    )
    page = response.content.decode()
    assert response.status_code == 200
    assert page.lstrip().startswith('<section id="section-assessment"')
    assert "less than or equal to 10" in page


# --- Follow-up -----------------------------------------------------------------------------


def test_the_follow_up_is_saved_and_offers_to_book_the_next_visit(
    as_practitioner, practitioner, draft
):
    appointment = AppointmentFactory(
        practitioner=practitioner,
        patient=draft.patient,
        start_at=timezone.make_aware(datetime.datetime(2030, 1, 7, 14, 30)),
    )
    TreatmentSession.objects.filter(pk=draft.pk).update(
        appointment=appointment, session_date=datetime.date(2030, 1, 7)
    )
    data = follow_up(
        draft,
        response="better",
        recommendations=["exercise", "heat"],
        recommendation_notes="Cat-camel twice a day",
        plan="Weekly for 4 weeks, then review ODI",
        next_visit_in_days="7",
    )

    response = as_practitioner.post(url(draft, "follow-up"), data, follow=True)

    draft.refresh_from_db()
    assert draft.recommendations == ["exercise", "heat"] and draft.next_visit_in_days == 7
    page = response.content.decode()
    link = page.split('data-testid="book-follow-up"')[0].rsplit('href="', 1)[1].split('"')[0]
    query = parse_qs(urlsplit(link.replace("&amp;", "&")).query)
    # Find a time, near the interval, for the same patient, practitioner and type:
    # it lists the first free times, each opening the booking form filled in.
    assert urlsplit(link).path == reverse("scheduling:find")
    assert query == {
        "patient": [str(draft.patient.uuid)],
        "practitioner": [str(practitioner.uuid)],
        "appointment_type": [str(appointment.appointment_type.uuid)],
        "from_date": ["2030-01-12"],
        "to_date": ["2030-01-21"],
    }
    assert as_practitioner.get(link.replace("&amp;", "&")).status_code == 200


def test_a_follow_up_without_an_appointment_searches_from_the_interval(as_practitioner, draft):
    as_practitioner.post(url(draft, "follow-up"), follow_up(draft, next_visit_in_days="3"))
    page = as_practitioner.get(step(draft, "follow-up")).content.decode()
    due = draft.session_date + datetime.timedelta(days=3)
    tomorrow = timezone.localdate() + datetime.timedelta(days=1)
    assert f"from_date={max(due - datetime.timedelta(days=2), tomorrow).isoformat()}" in page


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("next_visit_in_days", "0"),
        ("next_visit_in_days", "soon"),
        ("recommendations", ["yoga"]),
        ("response", "amazing"),
    ],
)
def test_odd_follow_up_input_saves_nothing(as_practitioner, draft, field, value):
    response = as_practitioner.post(
        url(draft, "follow-up"), follow_up(draft, plan="Changed", **{field: value})
    )
    assert response.status_code == 200 and "Nothing was saved" in response.content.decode()
    draft.refresh_from_db()
    assert draft.plan == ""


# --- Adverse events --------------------------------------------------------------------------


def test_an_adverse_event_is_recorded(as_practitioner, draft):
    response = as_practitioner.post(
        url(draft, "adverse-event"),
        {"type": "fainting", "severity": "moderate", "action_taken": "Lay flat, water, recovered"},
        follow=True,
    )
    event = AdverseEvent.objects.get()
    assert (event.session, event.type, event.severity) == (draft, "fainting", "moderate")
    assert "Dizziness or fainting (needle shock)</strong> (moderate)" in response.content.decode()
    assert AuditEvent.objects.filter(action="sessions.adverse_event.added").exists()


@pytest.mark.parametrize(
    "data",
    [
        {"type": "fainting", "severity": "moderate", "action_taken": "   "},
        {"type": "alien", "severity": "mild", "action_taken": "x"},
        {"type": "pain", "severity": "catastrophic", "action_taken": "x"},
        {},
    ],
)
def test_an_incomplete_adverse_event_saves_nothing(as_practitioner, draft, data):
    response = as_practitioner.post(url(draft, "adverse-event"), data)
    assert response.status_code == 200
    assert not AdverseEvent.objects.exists()


# --- Sign-off ------------------------------------------------------------------------------


def test_the_checklist_lists_what_stops_signing_and_signing_is_refused(as_practitioner, draft):
    TreatmentSession.objects.filter(pk=draft.pk).update(
        red_flags=["cauda_equina"], contraindications_reviewed=False
    )
    draft.refresh_from_db()
    page = as_practitioner.get(step(draft, "sign")).content.decode()
    assert "Red flags are ticked: record the decision taken" in page
    assert "Tick that contraindications were reviewed." in page

    response = as_practitioner.post(url(draft, "sign"), {"version": draft.version, "checked": "on"})

    assert response.status_code == 200
    assert 'data-testid="section-errors"' in response.content.decode()
    draft.refresh_from_db()
    assert not draft.is_signed


def test_the_record_is_signed_and_becomes_read_only(as_practitioner, practitioner, draft):
    treated(draft, practitioner)

    response = as_practitioner.post(
        url(draft, "sign"), {"version": draft.version, "checked": "on"}, follow=True
    )

    draft.refresh_from_db()
    assert draft.is_signed and draft.signed_by == practitioner.user
    page = response.content.decode()
    assert "Record signed." in page
    assert 'data-testid="record-readonly"' in page and "Signed by Pat Practitioner" in page


def test_signing_with_htmx_reloads_the_whole_page(as_practitioner, practitioner, draft):
    treated(draft, practitioner)
    response = as_practitioner.post(
        url(draft, "sign"), {"version": draft.version, "checked": "on"}, headers=HTMX
    )
    assert response["HX-Redirect"] == url(draft, "record")


def test_a_stale_page_cannot_sign(as_practitioner, practitioner, draft):
    treated(draft, practitioner)
    response = as_practitioner.post(
        url(draft, "sign"), {"version": draft.version - 1, "checked": "on"}
    )
    assert "changed since you opened it" in response.content.decode()
    draft.refresh_from_db()
    assert not draft.is_signed


def test_a_practitioner_with_an_expired_licence_cannot_sign(as_practitioner, practitioner, draft):
    treated(draft, practitioner)
    practitioner.licence_expiry = datetime.date(2020, 1, 1)
    practitioner.save(update_fields=["licence_expiry"])
    response = as_practitioner.post(url(draft, "sign"), {"version": draft.version, "checked": "on"})
    assert "licence expired" in response.content.decode()


def test_a_needle_count_that_differs_needs_the_incident_before_signing(
    as_practitioner, practitioner, draft
):
    treated(draft, practitioner, removed=2)
    response = as_practitioner.get(url(draft, "record"), follow=True)
    assert response.redirect_chain == [(step(draft, "retention"), 302)]  # not done: the count
    page = response.content.decode()
    assert "Needle count: 3 in, 2 out: they differ" in page
    assert 'data-testid="incident-form"' in page

    incomplete = as_practitioner.post(
        url(draft, "incident"), {"version": draft.version, "missing_needle_incident": "on"}
    )
    assert "Say whether the needle was found" in incomplete.content.decode()
    draft.refresh_from_db()
    assert not draft.missing_needle_incident

    as_practitioner.post(
        url(draft, "incident"),
        {
            "version": draft.version,
            "missing_needle_incident": "on",
            "missing_needle_found": "True",
            "missing_needle_details": "On the couch sheet; into the sharps bin",
        },
    )
    draft.refresh_from_db()
    assert draft.missing_needle_incident and draft.missing_needle_found is True
    as_practitioner.post(url(draft, "sign"), {"version": draft.version, "checked": "on"})
    draft.refresh_from_db()
    assert draft.is_signed


# --- A signed record refuses every change -----------------------------------------------------


@pytest.mark.parametrize(
    ("name", "data"),
    [
        ("assessment", {"nprs_now": "1"}),
        ("follow-up", {"plan": "Changed"}),
        ("placement-add", {"acupoint": "BL40", "side": "left"}),
        ("apply-protocol", {}),
        ("copy-last", {}),
        ("needles-in", {}),
        ("needles-out", {"removed": "3"}),
        ("incident", {"missing_needle_incident": "on"}),
        ("adverse-event", {"type": "pain", "severity": "mild", "action_taken": "x"}),
        ("sign", {}),
    ],
)
def test_a_signed_record_refuses_edits_with_a_message(
    as_practitioner, practitioner, draft, name, data
):
    treated(draft, practitioner)
    services.sign_session(session=draft, by=practitioner.user)
    draft.refresh_from_db()
    before = draft.updated_at

    response = as_practitioner.post(
        url(draft, name), {"version": draft.version, **data}, follow=True
    )

    assert "This record is signed and cannot change" in response.content.decode()
    draft.refresh_from_db()
    assert draft.updated_at == before and draft.placements.count() == 2
    assert not AdverseEvent.objects.exists()


def test_another_practitioner_cannot_write_a_signed_record(
    client, practitioner, other_practitioner, draft
):
    treated(draft, practitioner)
    services.sign_session(session=draft, by=practitioner.user)
    client.force_login(other_practitioner.user)
    assert client.post(url(draft, "assessment"), {"nprs_now": "1"}).status_code == 403


def test_another_practitioner_does_not_find_a_draft_to_write(client, other_practitioner, draft):
    client.force_login(other_practitioner.user)
    assert client.post(url(draft, "follow-up"), {"plan": "x"}).status_code == 404
    draft.refresh_from_db()
    assert draft.plan == ""


def test_front_desk_does_not_find_a_record_to_write(client, front_desk, draft):
    client.force_login(front_desk)
    assert client.post(url(draft, "assessment"), {"nprs_now": "1"}).status_code == 404


# --- Addenda ---------------------------------------------------------------------------------


def test_addenda_are_added_by_practitioners_and_shown_below_the_original(
    client, practitioner, other_practitioner, draft
):
    treated(draft, practitioner)
    services.sign_session(session=draft, by=practitioner.user)
    client.force_login(other_practitioner.user)

    response = client.post(
        url(draft, "addendum"),
        {"reason": "Wrong side", "text": "The pain was right-sided."},
        follow=True,
    )

    addendum = Addendum.objects.get()
    assert addendum.author == other_practitioner.user and addendum.reason == "Wrong side"
    page = response.content.decode()
    assert "Addendum added." in page
    assert page.index("Signed by Pat Practitioner") < page.index("The pain was right-sided.")
    assert "Olly Other</strong>" in page and "reason: Wrong side" in page


@pytest.mark.parametrize(
    "data", [{"reason": "", "text": "x"}, {"reason": "x", "text": "   "}, {}], ids=str
)
def test_an_addendum_needs_a_reason_and_the_correction(as_practitioner, practitioner, draft, data):
    treated(draft, practitioner)
    services.sign_session(session=draft, by=practitioner.user)
    response = as_practitioner.post(url(draft, "addendum"), data)
    assert response.status_code == 200
    assert not Addendum.objects.exists()


def test_a_draft_takes_no_addendum(as_practitioner, draft):
    response = as_practitioner.post(
        url(draft, "addendum"), {"reason": "r", "text": "t"}, follow=True
    )
    assert "not signed yet" in response.content.decode()
    assert not Addendum.objects.exists()
