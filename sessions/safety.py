"""Every safety rule of needling, in one place (DOMAIN.md, "Contraindications
and cautions", "Needles", "Acupoints").

Three kinds of rule:

* **Refusals**: never allowed, whatever the reason — a "do not needle" point
  (ST17, CV8), a depth greater than the needle's length. PostgreSQL refuses
  them too (migration 0005); here they become a message on the form.
* **Placement warnings**, which need an explicit override with a reason, kept
  on the record: a pregnancy-cautioned point for a patient flagged pregnant;
  electroacupuncture with an implanted device or epilepsy; a point or Ashi
  region at a recorded skin-lesion site; perpendicular or deeper-than-the-
  caution-depth needling at a point over a structure at risk.
* **Session cautions** from the patient's flags, each needing its decision:
  bleeding risk → pressure applied after removal; needle phobia or fainting →
  treated lying down (or an override saying why not).

``Cautions.for_patient`` reads the patient's flags *as they are now*: the
needling step uses it when a needle is added, and needles-in and sign-off use
it again, so a flag added after the needles were placed still needs its
decision (services.sign_problems).
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from clinic.models import ClinicSettings
from sessions.models import (
    Acupoint,
    Needle,
    NeedlePlacement,
    PatientPosition,
    PregnancyCautionPoint,
    SkinLesionSite,
    TreatmentSession,
    WarningOverride,
)

Kind = WarningOverride.Kind


@dataclass(frozen=True)
class SafetyWarning:
    kind: str
    detail: str


@dataclass(frozen=True)
class UnmetWarning:
    """A warning that applies now and has no override yet; ``placement`` is
    None for a warning about the whole session (position)."""

    placement: NeedlePlacement | None
    warning: SafetyWarning

    @property
    def where(self) -> str:
        if self.placement is None:
            return "Session"
        side = "" if self.placement.side == NeedlePlacement.Side.MIDLINE else self.placement.side
        return f"{self.placement.acupoint.code} {side}".strip()


def point_refusal(acupoint: Acupoint) -> str | None:
    if acupoint.depth_rule == Acupoint.DepthRule.DO_NOT_NEEDLE:
        return (
            f"{acupoint.code} is not needled ({acupoint.structure_at_risk}: "
            f"{acupoint.depth_guidance})."
        )
    return None


def depth_refusal(needle: Needle | None, depth_mm) -> str | None:
    if needle is not None and depth_mm is not None and depth_mm > needle.length_mm:
        return (
            f"A depth of {depth_mm} mm is more than the needle's length ({needle.length_mm} mm): "
            "choose a longer needle or a shallower depth."
        )
    return None


def placement_refusals(*, acupoint: Acupoint, needle: Needle | None, depth_mm) -> list[str]:
    """What no override allows."""
    return [r for r in (point_refusal(acupoint), depth_refusal(needle, depth_mm)) if r]


@dataclass(frozen=True)
class Cautions:
    """A patient's cautions as they are now, loaded once (three queries at
    most), then applied to any number of placements."""

    patient: object
    pregnancy_reasons: dict[int, str]
    lesion_sites: tuple[SkinLesionSite, ...]
    caution_depth_mm: Decimal

    @classmethod
    def for_patient(cls, patient, settings: ClinicSettings | None = None) -> Cautions:
        settings = settings or ClinicSettings.load()
        reasons = (
            dict(PregnancyCautionPoint.objects.values_list("acupoint_id", "reason"))
            if patient.is_pregnant
            else {}
        )
        sites = tuple(
            SkinLesionSite.objects.current().filter(patient=patient).select_related("acupoint")
        )
        return cls(patient, reasons, sites, Decimal(settings.caution_depth_mm))

    def placement_warnings(
        self,
        *,
        acupoint: Acupoint,
        side: str,
        stimulation: str,
        angle: str = NeedlePlacement.Angle.PERPENDICULAR,
        depth_mm=None,
        region: str = "",
    ) -> list[SafetyWarning]:
        patient, warnings = self.patient, []
        if acupoint.id in self.pregnancy_reasons:
            warnings.append(
                SafetyWarning(
                    Kind.PREGNANCY_POINT,
                    f"{acupoint.code} is traditionally avoided in pregnancy "
                    f"({self.pregnancy_reasons[acupoint.id]}).",
                )
            )
        electro = stimulation == NeedlePlacement.Stimulation.ELECTRO
        if electro and patient.has_implanted_device:
            warnings.append(
                SafetyWarning(
                    Kind.ELECTRO_DEVICE,
                    "The patient has a pacemaker or implanted electrical device: "
                    "no electroacupuncture.",
                )
            )
        if electro and patient.has_epilepsy:
            warnings.append(
                SafetyWarning(
                    Kind.EPILEPSY_ELECTRO,
                    "The patient has epilepsy: caution with electroacupuncture.",
                )
            )
        for site in self.lesion_sites:
            if site.covers(acupoint_id=acupoint.id, side=side, region=region):
                warnings.append(
                    SafetyWarning(
                        Kind.SKIN_LESION,
                        f"{acupoint.code} falls on a recorded skin-lesion site ({site.label}): "
                        "do not needle there.",
                    )
                )
                break
        if acupoint.depth_rule == Acupoint.DepthRule.DEPTH:
            deep = depth_mm is None or depth_mm > self.caution_depth_mm
            perpendicular = angle == NeedlePlacement.Angle.PERPENDICULAR
            if deep or perpendicular:
                how = "perpendicular" if perpendicular else ""
                if deep:
                    depth = "no depth recorded" if depth_mm is None else f"{depth_mm} mm"
                    how = f"{how}, {depth}" if how else depth
                warnings.append(
                    SafetyWarning(
                        Kind.DEPTH_CAUTION,
                        f"{acupoint.code} lies over the {acupoint.structure_at_risk} "
                        f"({acupoint.depth_guidance}). Needled {how}; the clinic's caution "
                        f"depth is {self.caution_depth_mm.normalize()} mm.",
                    )
                )
        return warnings

    def warnings_for(self, placement: NeedlePlacement) -> list[SafetyWarning]:
        return self.placement_warnings(
            acupoint=placement.acupoint,
            side=placement.side,
            stimulation=placement.stimulation,
            angle=placement.angle,
            depth_mm=placement.depth_mm,
            region=placement.region,
        )

    def unmet(self, session: TreatmentSession) -> list[UnmetWarning]:
        """Warnings that apply now and have no override on the record.
        Uses the session's prefetched placements and overrides."""
        overridden = {(o.placement_id, o.kind) for o in session.overrides.all()}
        unmet = [
            UnmetWarning(placement, warning)
            for placement in session.placements.all()
            for warning in self.warnings_for(placement)
            if (placement.pk, warning.kind) not in overridden
        ]
        if (
            self.patient.needle_phobia_or_fainting
            and session.patient_position
            and session.patient_position not in PatientPosition.lying_down()
            and (None, Kind.NOT_LYING_DOWN) not in overridden
        ):
            unmet.append(UnmetWarning(None, not_lying_down_warning(session)))
        return unmet

    def reminders(self) -> list[str]:
        """What the needling step reminds the practitioner of: each caution that
        applies to this patient now, and the decision it needs."""
        patient, reminders = self.patient, []
        if patient.is_pregnant:
            reminders.append(
                "Pregnant: points traditionally avoided in pregnancy need a reason to go ahead."
            )
        if patient.has_implanted_device:
            reminders.append("Implanted electrical device: no electroacupuncture.")
        if patient.has_epilepsy:
            reminders.append("Epilepsy: electroacupuncture needs a reason to go ahead.")
        if patient.bleeding_risk:
            reminders.append(
                "Anticoagulants or bleeding disorder: apply pressure after removal and record it."
            )
        if patient.needle_phobia_or_fainting:
            reminders.append("Needle phobia or fainting: treat lying down.")
        if self.lesion_sites:
            reminders.append("Skin-lesion sites (below): do not needle there.")
        return reminders

    def session_problems(self, session: TreatmentSession) -> list[str]:
        """The cautions that need a decision before signing (besides overrides)."""
        problems = []
        if not any(True for _ in session.placements.all()):
            return problems
        if not session.patient_position:
            problems.append("Record the patient's position during needling.")
        if (
            self.patient.bleeding_risk
            and session.needles_out_at is not None
            and not session.pressure_applied_after_removal
        ):
            problems.append(
                "The patient is on anticoagulants or has a bleeding disorder: record that "
                "pressure was applied after removal."
            )
        return problems


def not_lying_down_warning(session: TreatmentSession) -> SafetyWarning:
    return SafetyWarning(
        Kind.NOT_LYING_DOWN,
        "The patient has needle phobia or a history of fainting and was treated "
        f"{session.get_patient_position_display().lower()}: they should lie down.",
    )


def position_refusal(patient, position: str) -> str | None:
    """Before the needles go in: a patient prone to fainting lies down."""
    if patient.needle_phobia_or_fainting and position not in PatientPosition.lying_down():
        return (
            "The patient has needle phobia or a history of fainting: treat them lying down "
            "(prone, supine or on the side)."
        )
    return None
