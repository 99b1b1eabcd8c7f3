import datetime

import factory
from django.utils import timezone

from sessions.models import (
    Acupoint,
    Needle,
    NeedlePlacement,
    Protocol,
    ProtocolPoint,
    SkinLesionSite,
    TreatmentSession,
)
from sessions.snapshot import sign_off
from tests.factories.patients import PatientFactory
from tests.factories.practitioners import PractitionerFactory


def point(code: str) -> Acupoint:
    return Acupoint.objects.get(code=code)


def needle() -> Needle:
    return Needle.objects.order_by("id").first()


def sign(session: TreatmentSession, by=None, at=None) -> TreatmentSession:
    """Sign a record as sign_session does (the snapshot of sessions.snapshot, which
    PostgreSQL completes and checks), without sign_problems' checklist: after the
    placements, since a signed record takes none."""
    fields = sign_off(session, by=by or session.practitioner.user, at=at)
    session.save(update_fields=fields)
    session.refresh_from_db()
    return session


class TreatmentSessionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = TreatmentSession
        # The consent hook below writes a Consent, not the session: no save after it.
        skip_postgeneration_save = True

    patient = factory.SubFactory(PatientFactory)
    practitioner = factory.SubFactory(PractitionerFactory)
    presenting_complaint = "Lower back pain after lifting"
    pain_cause = "muscle_strain"
    nprs_now = 6
    contraindications_reviewed = True
    patient_position = "prone"

    @factory.post_generation
    def consented(session, create, extracted, **kwargs):
        """Consent on file well before the session (a guardian's for a minor), as
        needling requires; ``consented=False`` for a patient without one."""
        if not create or extracted is False or session.patient.consents.exists():
            return
        from tests.factories.patients import ConsentFactory

        minor = session.patient.age_on(session.session_date) < 18
        ConsentFactory(
            patient=session.patient,
            guardian=minor,
            given_at=timezone.now() - datetime.timedelta(days=400),
            recorded_by=session.practitioner.user,
        )


class NeedlePlacementFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = NeedlePlacement

    session = factory.SubFactory(TreatmentSessionFactory)
    acupoint = factory.LazyFunction(lambda: point("BL23"))
    side = NeedlePlacement.Side.BILATERAL
    needle = factory.LazyFunction(needle)
    depth_mm = 25


class ProtocolFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Protocol

    practitioner = factory.SubFactory(PractitionerFactory)
    name = "Lumbar strain"


class ProtocolPointFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ProtocolPoint

    protocol = factory.SubFactory(ProtocolFactory)
    acupoint = factory.LazyFunction(lambda: point("BL23"))
    side = NeedlePlacement.Side.BILATERAL
    needle = factory.LazyFunction(needle)


class SkinLesionSiteFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = SkinLesionSite

    patient = factory.SubFactory(PatientFactory)
    acupoint = factory.LazyFunction(lambda: point("BL25"))
    description = "Eczema left lower back"
    recorded_by = factory.LazyAttribute(lambda site: None)


def patient_with(flags: dict):
    """A patient with clinical flags; ``lesion_at`` ("BL25, BL40 left") records
    skin-lesion sites at those points."""
    flags = dict(flags)
    lesion_at = flags.pop("lesion_at", "")
    patient = PatientFactory(**flags)
    for token in filter(str.strip, lesion_at.split(",")):
        code, *side = token.split()
        SkinLesionSiteFactory(patient=patient, acupoint=point(code), side=(side or [""])[0])
    return patient
