"""An expired licence blocks needling, signing and addenda (DOMAIN.md, Records;
issue 11, point 6), on the practitioner's own records and on anyone else's,
through HTTP as the browser posts; PostgreSQL refuses the signature too."""

import datetime

import pytest
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone

from sessions.licence import licence_problem
from sessions.models import Addendum, NeedlePlacement, TreatmentSession
from tests.factories.sessions import (
    NeedlePlacementFactory,
    ProtocolFactory,
    ProtocolPointFactory,
    TreatmentSessionFactory,
    needle,
    point,
    sign,
)

pytestmark = pytest.mark.django_db
YESTERDAY = datetime.timedelta(days=1)


def url(session, name):
    return reverse(f"records:{name}", kwargs={"uuid": session.uuid})


def expire(practitioner, days_ago=1):
    practitioner.licence_expiry = timezone.localdate() - datetime.timedelta(days=days_ago)
    practitioner.save(update_fields=["licence_expiry"])


@pytest.fixture
def draft(practitioner):
    return TreatmentSessionFactory(practitioner=practitioner)


@pytest.fixture
def as_expired(client, practitioner):
    expire(practitioner)
    client.force_login(practitioner.user)
    return client


def refused(response, doing):
    page = response.content.decode()
    return "Your licence expired on" in page and f"renew it before {doing}" in page


def test_an_expired_licence_cannot_add_a_placement(as_expired, draft):
    data = {
        "acupoint": "BL23",
        "side": "bilateral",
        "needle": needle().pk,
        "depth_mm": "20",
        "angle": "perpendicular",
        "stimulation": "none",
    }
    response = as_expired.post(url(draft, "placement-add"), data, follow=True)
    assert refused(response, "needling")
    assert not NeedlePlacement.objects.exists()


def test_an_expired_licence_cannot_apply_a_protocol(as_expired, practitioner, draft):
    protocol = ProtocolFactory(practitioner=practitioner)
    ProtocolPointFactory(protocol=protocol, acupoint=point("BL23"))
    response = as_expired.post(
        url(draft, "apply-protocol"), {"protocol": protocol.uuid}, follow=True
    )
    assert refused(response, "needling")
    assert not NeedlePlacement.objects.exists()


def test_an_expired_licence_cannot_copy_the_last_session(as_expired, practitioner, draft):
    earlier = TreatmentSessionFactory(practitioner=practitioner, patient=draft.patient)
    NeedlePlacementFactory(session=earlier)
    sign(earlier, at=timezone.now() - 3 * YESTERDAY)  # while the licence was valid
    response = as_expired.post(url(draft, "copy-last"), follow=True)
    assert refused(response, "needling")
    assert not draft.placements.exists()


def test_an_expired_licence_cannot_put_the_needles_in(as_expired, draft):
    NeedlePlacementFactory(session=draft)
    response = as_expired.post(url(draft, "needles-in"), {"patient_position": "prone"}, follow=True)
    assert refused(response, "needling")
    draft.refresh_from_db()
    assert draft.needles_in_at is None


def test_an_expired_licence_cannot_sign(as_expired, draft):
    response = as_expired.post(
        url(draft, "sign"), {"version": draft.version, "checked": "on"}, follow=True
    )
    assert refused(response, "signing")
    draft.refresh_from_db()
    assert not draft.is_signed


def test_an_expired_licence_cannot_add_to_another_practitioners_record(
    client, practitioner, other_practitioner
):
    session = TreatmentSessionFactory(practitioner=other_practitioner)
    sign(session)
    expire(practitioner)
    client.force_login(practitioner.user)
    response = client.post(
        url(session, "addendum"), {"reason": "Wrong side", "text": "Right side."}, follow=True
    )
    assert refused(response, "adding to a record")
    assert not Addendum.objects.exists()


def test_an_expired_author_cannot_add_to_their_own_signed_record(client, practitioner):
    session = TreatmentSessionFactory(practitioner=practitioner)
    sign(session, at=timezone.now() - 3 * YESTERDAY)
    expire(practitioner)
    client.force_login(practitioner.user)
    client.post(url(session, "addendum"), {"reason": "r", "text": "t"})
    assert not Addendum.objects.exists()


def test_a_valid_licence_adds_an_addendum(client, practitioner, other_practitioner):
    session = TreatmentSessionFactory(practitioner=other_practitioner)
    sign(session)
    client.force_login(practitioner.user)
    client.post(url(session, "addendum"), {"reason": "Wrong side", "text": "Right side."})
    assert Addendum.objects.get().author == practitioner.user


def test_the_licence_is_valid_to_the_end_of_its_expiry_day(practitioner, front_desk):
    today = timezone.localdate()
    expire(practitioner, days_ago=0)
    assert licence_problem(practitioner.user, doing="signing", day=today) is None
    assert "expired" in licence_problem(practitioner.user, doing="signing", day=today + YESTERDAY)
    assert "no practitioner licence" in licence_problem(front_desk, doing="signing")


def test_postgresql_refuses_a_signature_after_the_licence_expired(practitioner):
    session = TreatmentSessionFactory(practitioner=practitioner)
    expire(practitioner)
    with pytest.raises(IntegrityError, match="expired"), transaction.atomic():
        TreatmentSession.objects.filter(pk=session.pk).update(
            signed_at=timezone.now(),
            signed_by=practitioner.user,
            signed_on=timezone.localdate(),
            signed_flags=[],
        )


def test_a_signature_on_the_last_day_of_the_licence_is_kept(practitioner):
    session = TreatmentSessionFactory(practitioner=practitioner)
    expire(practitioner, days_ago=0)
    sign(session)
    assert session.signed_licence_expiry == timezone.localdate()
