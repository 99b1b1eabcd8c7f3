"""Safety warnings that need an explicit override with a reason (DOMAIN.md).

Computed from the patient's clinical flags whenever a needle is placed:
* a pregnancy-cautioned point for a patient flagged pregnant;
* electroacupuncture for a patient with a pacemaker or implanted device;
* electroacupuncture for a patient with epilepsy (a caution);
* a point the practitioner recorded as at a skin lesion.
"""

from __future__ import annotations

from dataclasses import dataclass

from sessions.catalogue import point_key
from sessions.models import Acupoint, NeedlePlacement, PregnancyCautionPoint, WarningOverride


@dataclass(frozen=True)
class SafetyWarning:
    kind: str
    detail: str


def lesion_keys(patient) -> set[str]:
    return {point_key(code) for code in patient.skin_lesion_points.split(",") if code.strip()}


def placement_warnings(*, patient, acupoint: Acupoint, stimulation: str) -> list[SafetyWarning]:
    warnings = []
    if patient.is_pregnant and PregnancyCautionPoint.objects.filter(acupoint=acupoint).exists():
        reason = PregnancyCautionPoint.objects.get(acupoint=acupoint).reason
        warnings.append(
            SafetyWarning(
                WarningOverride.Kind.PREGNANCY_POINT,
                f"{acupoint.code} is traditionally avoided in pregnancy ({reason}).",
            )
        )
    electro = stimulation == NeedlePlacement.Stimulation.ELECTRO
    if electro and patient.has_implanted_device:
        warnings.append(
            SafetyWarning(
                WarningOverride.Kind.ELECTRO_DEVICE,
                "The patient has a pacemaker or implanted electrical device: no electroacupuncture.",
            )
        )
    if electro and patient.has_epilepsy:
        warnings.append(
            SafetyWarning(
                WarningOverride.Kind.EPILEPSY_ELECTRO,
                "The patient has epilepsy: caution with electroacupuncture.",
            )
        )
    if acupoint.search_key in lesion_keys(patient):
        warnings.append(
            SafetyWarning(
                WarningOverride.Kind.SKIN_LESION,
                f"{acupoint.code} is recorded as at a skin lesion ({patient.skin_conditions or 'see record'}).",
            )
        )
    return warnings
