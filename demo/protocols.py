"""The demo practitioner's saved protocols, written as she would type them on
the Protocols page (sessions.protocol_forms reads the same lines). Each applies
to a draft without a warning for a patient with no contraindication: BL40 lies
over the popliteal vessels, so it is saved oblique and shallow (perpendicular
needling there needs an override).
"""

from __future__ import annotations

from sessions.models import Needle, Protocol, ProtocolPoint
from sessions.protocol_forms import NeedleChoices, parse_points

PROTOCOLS = {
    "Lumbar strain": """
        BL23 bilateral
        BL25 bilateral
        BL40 bilateral oblique 12mm
        GV4
    """,
    "Sciatica, left leg": """
        BL25 bilateral
        GB30 left 0.30x50 40mm
        GB34 left
        BL57 left
    """,
    "Chronic low back, with kidney support": """
        BL23 bilateral
        BL52 bilateral
        GV4
        KI3 bilateral 0.20x25 10mm
    """,
}  # fmt: skip


def seed_protocols(practitioner) -> int:
    """Create the protocols the practitioner does not have yet (by name); the
    ones already there are left as they are. Returns how many were created."""
    needle = Needle.objects.filter(is_active=True, gauge_mm="0.25", length_mm=40).first()
    needles = NeedleChoices(needle)
    created = 0
    for name, text in PROTOCOLS.items():
        protocol, new = Protocol.objects.get_or_create(practitioner=practitioner, name=name)
        if not new:
            continue
        ProtocolPoint.objects.bulk_create(
            ProtocolPoint(
                protocol=protocol,
                position=position,
                acupoint=point.acupoint,
                side=point.side,
                needle=point.needle or needle,
                depth_mm=point.depth_mm,
                angle=point.angle,
                stimulation=point.stimulation,
            )
            for position, point in enumerate(parse_points(text, needles), start=1)
        )
        created += 1
    return created
