"""A licence renewal is a new entry (DOMAIN.md, Records): PostgreSQL keeps the
licence it replaces, whoever changes it and however, and never lets the kept
one change; the records it signed keep its number."""

import datetime

import pytest
from django.db import DatabaseError, transaction

from practitioners.models import PractitionerLicence
from tests.factories.sessions import TreatmentSessionFactory, sign

pytestmark = pytest.mark.django_db


def renew(practitioner, number, expiry):
    practitioner.licence_number = number
    practitioner.licence_expiry = expiry
    practitioner.save(update_fields=["licence_number", "licence_expiry"])


def test_a_renewal_keeps_the_old_licence(practitioner):
    old = (practitioner.licence_number, practitioner.licence_expiry)
    session = sign(TreatmentSessionFactory(practitioner=practitioner))
    renew(practitioner, "BAcC-99999", datetime.date(2031, 3, 31))

    earlier = PractitionerLicence.objects.get(practitioner=practitioner)
    assert (earlier.licence_number, earlier.licence_expiry) == old
    assert earlier.licence_issuing_body == "British Acupuncture Council"
    session.refresh_from_db()
    assert session.signed_licence_number == old[0]


def test_other_changes_keep_no_history(practitioner):
    practitioner.qualifications = "MSc"
    practitioner.save(update_fields=["qualifications"])
    assert not PractitionerLicence.objects.exists()


def test_each_renewal_is_kept_in_order(practitioner):
    renew(practitioner, "N-2", datetime.date(2030, 1, 1))
    renew(practitioner, "N-3", datetime.date(2031, 1, 1))
    kept = list(practitioner.earlier_licences.values_list("licence_number", flat=True))
    assert kept[0] == "N-2" and len(kept) == 2


def test_a_kept_licence_never_changes(practitioner):
    renew(practitioner, "N-2", datetime.date(2030, 1, 1))
    with pytest.raises(DatabaseError, match="kept as they were"), transaction.atomic():
        PractitionerLicence.objects.update(licence_number="forged")
    with pytest.raises(DatabaseError, match="kept as they were"), transaction.atomic():
        PractitionerLicence.objects.all().delete()


def test_the_admin_lists_earlier_licences(client, clinic_admin, practitioner):
    renew(practitioner, "N-2", datetime.date(2030, 1, 1))
    client.force_login(clinic_admin)
    page = client.get(f"/admin/practitioners/practitioner/{practitioner.pk}/change/")
    assert page.status_code == 200
    body = page.content.decode()
    assert "Earlier licences" in body and practitioner.licence_number in body
