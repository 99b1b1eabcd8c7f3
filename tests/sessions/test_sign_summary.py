"""Signing shows what will be signed first (points with sides and needle counts,
the total, the retention, the warnings overridden and why) and needs the
practitioner's "I have checked this record", with and without htmx."""

import datetime
import re
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from sessions import services
from sessions.models import Needle, TreatmentSession
from tests.factories import PatientFactory
from tests.factories.sessions import NeedlePlacementFactory, TreatmentSessionFactory, point

pytestmark = pytest.mark.django_db
HTMX = {"HX-Request": "true"}


def url(session, name):
    return reverse(f"records:{name}", kwargs={"uuid": session.uuid})


def step(session, slug):
    return reverse("records:step", kwargs={"uuid": session.uuid, "step": slug})


@pytest.fixture
def draft(practitioner):
    return TreatmentSessionFactory(
        practitioner=practitioner, patient=PatientFactory(last_name="Lumbar")
    )


@pytest.fixture
def as_practitioner(client, practitioner):
    client.force_login(practitioner.user)
    return client


@pytest.fixture
def treated(draft, practitioner):
    """BL23 bilateral, GV4, and BL40 left perpendicular with its override: 4 needles, 25 minutes."""
    NeedlePlacementFactory(session=draft)
    NeedlePlacementFactory(session=draft, acupoint=point("GV4"), side="midline")
    services.add_placement(
        session=draft,
        data={
            "acupoint": point("BL40"),
            "side": "left",
            "needle": Needle.objects.filter(length_mm__gte=30).first(),
            "depth_mm": Decimal("20"),
            "angle": "perpendicular",
            "stimulation": "none",
        },
        by=practitioner.user,
        override_reason="Muscular calf: vessels well below 20 mm",
    )
    services.needles_in(session=draft, by=practitioner.user)
    TreatmentSession.objects.filter(pk=draft.pk).update(
        needles_in_at=timezone.now() - datetime.timedelta(minutes=25)
    )
    services.needles_out(session=draft, by=practitioner.user, removed=4)
    draft.refresh_from_db()
    return draft


def summary(html: str) -> str:
    start = html.index('data-testid="sign-summary"')
    return html[start : html.index("</dl>", start)]


def test_the_sign_section_summarises_what_will_be_signed(as_practitioner, treated):
    page = as_practitioner.get(step(treated, "sign")).content.decode()

    shown = summary(page)
    rows = [
        " ".join(re.sub(r"<[^>]+>", " ", row).split())
        for row in re.findall(r"<tr>(.*?)</tr>", shown, re.S)[1:]
    ]
    assert rows == [
        "BL23 Shenshu Bilateral 2",
        "GV4 Mingmen No side (midline or group) 1",
        "BL40 Weizhong Left 1",
    ]
    assert "4 needles, 4 removed" in shown
    assert "25 minutes" in shown
    assert "at BL40: Muscular calf: vessels well below 20 mm" in shown
    assert 'name="checked"' in page and "I have checked this record" in page


def test_signing_without_ticking_the_box_is_refused_with_a_message(as_practitioner, treated):
    response = as_practitioner.post(url(treated, "sign"), {"version": treated.version})

    assert response.status_code == 200
    assert "Tick “I have checked this record”" in response.content.decode()
    treated.refresh_from_db()
    assert not treated.is_signed


def test_with_htmx_the_refusal_is_the_sign_section_and_nothing_is_signed(as_practitioner, treated):
    response = as_practitioner.post(
        url(treated, "sign"), {"version": treated.version}, headers=HTMX
    )

    html = response.content.decode()
    assert response.status_code == 200
    assert html.lstrip().startswith('<section id="section-sign"')
    assert "Tick “I have checked this record”" in html
    treated.refresh_from_db()
    assert not treated.is_signed


def test_ticking_the_box_signs(as_practitioner, treated):
    response = as_practitioner.post(
        url(treated, "sign"), {"version": treated.version, "checked": "on"}, follow=True
    )
    treated.refresh_from_db()
    assert treated.is_signed
    assert "Record signed." in response.content.decode()
