"""Treatment session records (DOMAIN.md): assessment, needle placements,
retention, needle count, follow-up, sign-off and addenda.

A signed record never changes. PostgreSQL enforces it (migration 0002):
triggers refuse UPDATE and DELETE of a signed session and any insert, update
or delete of its placements, overrides and adverse events. Corrections are
Addendum rows, which only ever get added.
"""

import uuid
from datetime import timedelta

from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.db import models
from django.db.models import F, Q
from django.utils import timezone

from accounts.roles import Capability
from sessions.catalogue import point_key
from sessions.outcomes import ODI_SECTIONS, odi


class AcupointQuerySet(models.QuerySet):
    def search(self, text: str):
        """By code (any spelling or older alias), or by Pinyin name."""
        text = text.strip()
        if not text:
            return self.none()
        key = point_key(text)
        return self.filter(
            Q(search_key=key) | Q(search_key__startswith=key) | Q(pinyin__icontains=text)
        ).order_by(models.Case(models.When(search_key=key, then=0), default=1), "sort_order")


class Acupoint(models.Model):
    """The WHO 2008 standard points, the 48 extra points, and Ashi."""

    class Kind(models.TextChoices):
        CHANNEL = "channel", "Channel point"
        EXTRA = "extra", "Extra point"
        ASHI = "ashi", "Ashi (tender point)"

    code = models.CharField(max_length=12, unique=True)
    kind = models.CharField(max_length=8, choices=Kind.choices)

    class SideRule(models.TextChoices):
        PAIRED = "paired", "Left, right or bilateral"
        MIDLINE = "midline", "On the midline: no side"
        GROUP = "group", "A group of points: no side"
        LEFT = "left", "Left only"
        RIGHT = "right", "Right only"

    class DepthRule(models.TextChoices):
        NONE = "", "No depth caution"
        DEPTH = "depth", "Depth caution: a structure at risk below"
        DO_NOT_NEEDLE = "do_not_needle", "Not needled"

    channel = models.CharField(max_length=6, blank=True)
    channel_name = models.CharField(max_length=40, blank=True)
    number = models.PositiveSmallIntegerField(null=True, blank=True)
    pinyin = models.CharField(max_length=40)
    # Which sides a placement may name (extra_point_sides.csv); GV and CV are midline.
    side_rule = models.CharField(max_length=8, choices=SideRule.choices, default=SideRule.PAIRED)
    # Points on each side (EX-UE7 has 2 per hand, Jiaji 17): the needle count follows.
    points_per_side = models.PositiveSmallIntegerField(default=1)
    # Sub-points a placement names, where the point has them (Jiaji: T1 ... L5).
    named_points = ArrayField(models.CharField(max_length=8), default=list, blank=True)
    is_midline = models.GeneratedField(
        expression=models.ExpressionWrapper(
            Q(side_rule__in=["midline", "group"]), output_field=models.BooleanField()
        ),
        output_field=models.BooleanField(),
        db_persist=True,
    )
    # depth_caution_points.csv: a structure at risk below (lung, vessels, ...).
    depth_rule = models.CharField(max_length=14, choices=DepthRule.choices, blank=True)
    structure_at_risk = models.CharField(max_length=80, blank=True)
    depth_guidance = models.TextField(blank=True)
    search_key = models.CharField(max_length=12, unique=True, editable=False)
    sort_order = models.PositiveIntegerField(unique=True)

    objects = AcupointQuerySet.as_manager()

    class Meta:
        ordering = ["sort_order"]
        constraints = [
            models.CheckConstraint(
                condition=Q(points_per_side__gte=1), name="acupoint_points_per_side_positive"
            ),
            models.CheckConstraint(
                condition=Q(depth_rule="") | ~Q(structure_at_risk=""),
                name="acupoint_depth_rule_names_structure",
            ),
        ]

    def __str__(self):
        return f"{self.code} {self.pinyin}" if self.kind != self.Kind.ASHI else "Ashi point"

    @property
    def sides(self) -> list[str]:
        """The sides a placement of this point may name."""
        return {
            self.SideRule.PAIRED: ["left", "right", "bilateral"],
            self.SideRule.MIDLINE: ["midline"],
            self.SideRule.GROUP: ["midline"],
            self.SideRule.LEFT: ["left"],
            self.SideRule.RIGHT: ["right"],
        }[self.side_rule]


class PregnancyCautionPoint(models.Model):
    """Points traditionally avoided in pregnancy (clinic-editable list)."""

    acupoint = models.OneToOneField(
        Acupoint, on_delete=models.CASCADE, related_name="pregnancy_caution"
    )
    reason = models.CharField(max_length=200)

    def __str__(self):
        return f"{self.acupoint.code}: {self.reason}"


class Needle(models.Model):
    """A needle the clinic stocks: gauge × length, make."""

    gauge_mm = models.DecimalField("gauge (mm)", max_digits=3, decimal_places=2)
    length_mm = models.PositiveSmallIntegerField("length (mm)")
    make = models.CharField(max_length=80)
    is_active = models.BooleanField(default=True)

    class Meta:
        ordering = ["gauge_mm", "length_mm", "make"]
        constraints = [
            models.CheckConstraint(
                condition=Q(gauge_mm__gte="0.10") & Q(gauge_mm__lte="0.50"),
                name="needle_gauge_range",
            ),
            models.CheckConstraint(
                condition=Q(length_mm__gte=5) & Q(length_mm__lte=150), name="needle_length_range"
            ),
            models.UniqueConstraint(fields=["gauge_mm", "length_mm", "make"], name="needle_unique"),
        ]

    def __str__(self):
        return f"{self.gauge_mm} × {self.length_mm} mm {self.make}"


class TreatmentSessionQuerySet(models.QuerySet):
    def visible_to(self, user):
        """Practitioners read the clinic's signed records (shared care) and their
        own drafts; patients see their own signed ones; nobody else sees any."""
        if user.can(Capability.VIEW_CLINICAL):
            # Signed records are shared care; a draft is its author's until signed.
            return self.filter(Q(signed_at__isnull=False) | Q(practitioner__user=user))
        if user.can(Capability.USE_PORTAL):
            return self.filter(patient__user=user, signed_at__isnull=False)
        return self.none()

    def signed(self):
        return self.filter(signed_at__isnull=False)

    def drafts(self):
        return self.filter(signed_at__isnull=True)

    def retention_running(self):
        return self.filter(needles_in_at__isnull=False, needles_out_at__isnull=True)


class PainCause(models.TextChoices):
    MUSCLE_STRAIN = "muscle_strain", "Muscle strain"
    HERNIATED_DISC = "herniated_disc", "Herniated disc"
    ARTHRITIS = "arthritis", "Arthritis"
    OTHER = "other", "Other"


class RedFlag(models.TextChoices):
    CAUDA_EQUINA = (
        "cauda_equina",
        "Suspected cauda equina (saddle numbness, new bladder or bowel dysfunction)",
    )
    NEURO_DEFICIT = "neuro_deficit", "Progressive neurological deficit (leg weakness, foot drop)"
    CANCER = "cancer", "History of cancer or unexplained weight loss"
    INFECTION = "infection", "Fever or infection risk (IV drug use, immunosuppression)"
    FRACTURE = (
        "fracture",
        "Significant trauma or suspected fracture (osteoporosis, long-term steroids)",
    )
    AGE = "age", "New back pain under 20 or over 50"
    NIGHT_PAIN = "night_pain", "Constant night pain not eased by rest"


class RedFlagDecision(models.TextChoices):
    REFERRED_GP = "referred_gp", "Referred to GP"
    REFERRED_EMERGENCY = "referred_emergency", "Referred to emergency care"
    TREATED_WITH_REASON = "treated", "Treated despite the red flags (reason required)"


class Recommendation(models.TextChoices):
    EXERCISE = "exercise", "Home exercises"
    POSTURE = "posture", "Posture and ergonomics advice"
    HEAT = "heat", "Heat on the lower back"
    STAY_ACTIVE = "stay_active", "Stay active, avoid bed rest"
    WALKING = "walking", "Daily walking"
    REFERRAL = "referral", "Referral"


def _odi_field(label):
    return models.PositiveSmallIntegerField(label, null=True, blank=True)


class PatientPosition(models.TextChoices):
    PRONE = "prone", "Lying face down (prone)"
    SUPINE = "supine", "Lying face up (supine)"
    SIDE_LYING = "side_lying", "Lying on the side"
    SEATED = "seated", "Seated"

    @classmethod
    def lying_down(cls) -> frozenset[str]:
        return frozenset({cls.PRONE, cls.SUPINE, cls.SIDE_LYING})


class TreatmentSession(models.Model):
    """One treatment: assessment, needling, retention, follow-up; then signed."""

    class Response(models.TextChoices):
        BETTER = "better", "Better"
        SAME = "same", "No change"
        WORSE = "worse", "Worse"

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    patient = models.ForeignKey(
        "patients.Patient", on_delete=models.PROTECT, related_name="treatment_sessions"
    )
    practitioner = models.ForeignKey(
        "practitioners.Practitioner", on_delete=models.PROTECT, related_name="treatment_sessions"
    )
    appointment = models.OneToOneField(
        "scheduling.Appointment",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="treatment_session",
    )
    room = models.ForeignKey(
        "scheduling.Room", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    session_date = models.DateField(default=timezone.localdate)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    version = models.PositiveIntegerField(default=1)

    # Assessment.
    presenting_complaint = models.TextField(blank=True)
    pain_locations = ArrayField(models.CharField(max_length=40), default=list, blank=True)
    pain_cause = models.CharField(max_length=16, choices=PainCause.choices, blank=True)
    pain_cause_other = models.CharField("other cause", max_length=200, blank=True)
    onset = models.CharField("onset and duration", max_length=200, blank=True)
    aggravating_factors = models.TextField(blank=True)
    easing_factors = models.TextField(blank=True)
    nprs_now = models.PositiveSmallIntegerField("pain now (0–10)", null=True, blank=True)
    nprs_best = models.PositiveSmallIntegerField("best in last 24 h (0–10)", null=True, blank=True)
    nprs_worst = models.PositiveSmallIntegerField(
        "worst in last 24 h (0–10)", null=True, blank=True
    )
    odi_pain_intensity = _odi_field("ODI 1 pain intensity")
    odi_personal_care = _odi_field("ODI 2 personal care")
    odi_lifting = _odi_field("ODI 3 lifting")
    odi_walking = _odi_field("ODI 4 walking")
    odi_sitting = _odi_field("ODI 5 sitting")
    odi_standing = _odi_field("ODI 6 standing")
    odi_sleeping = _odi_field("ODI 7 sleeping")
    odi_sex_life = _odi_field("ODI 8 sex life")
    odi_social_life = _odi_field("ODI 9 social life")
    odi_travelling = _odi_field("ODI 10 travelling")
    rmdq_score = models.PositiveSmallIntegerField("RMDQ score (0–24)", null=True, blank=True)
    red_flags = ArrayField(
        models.CharField(max_length=20, choices=RedFlag.choices), default=list, blank=True
    )
    red_flag_decision = models.CharField(max_length=20, choices=RedFlagDecision.choices, blank=True)
    red_flag_notes = models.TextField(blank=True)
    contraindications_reviewed = models.BooleanField(default=False)
    contraindication_notes = models.TextField(blank=True)
    tcm_pattern = models.CharField("TCM pattern", max_length=200, blank=True)
    tcm_tongue = models.CharField("tongue", max_length=200, blank=True)
    tcm_pulse = models.CharField("pulse", max_length=200, blank=True)
    change_since_last = models.TextField(blank=True)

    # How the patient lay (or sat) while needled: chosen at "needles in".
    patient_position = models.CharField(
        "patient's position", max_length=12, choices=PatientPosition.choices, blank=True
    )

    # Retention: server times from the "needles in" and "needles out" buttons.
    needles_in_at = models.DateTimeField(null=True, blank=True)
    needles_out_at = models.DateTimeField(null=True, blank=True)
    retention_reason = models.CharField(
        max_length=200, blank=True, help_text="Needed when retention is outside the clinic's range."
    )
    # Needle count at removal; a difference needs an incident.
    needles_removed = models.PositiveSmallIntegerField(null=True, blank=True)
    pressure_applied_after_removal = models.BooleanField(default=False)
    missing_needle_incident = models.BooleanField(default=False)
    missing_needle_found = models.BooleanField(null=True, blank=True)
    missing_needle_details = models.CharField(max_length=300, blank=True)

    # Follow-up.
    response = models.CharField(max_length=8, choices=Response.choices, blank=True)
    response_notes = models.TextField(blank=True)
    recommendations = ArrayField(
        models.CharField(max_length=20, choices=Recommendation.choices), default=list, blank=True
    )
    recommendation_notes = models.TextField(blank=True)
    plan = models.TextField(blank=True)
    next_visit_in_days = models.PositiveSmallIntegerField(null=True, blank=True)

    # Sign-off.
    signed_at = models.DateTimeField(null=True, blank=True)
    signed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    # What was true at sign-off, read by every page that shows a signed record
    # (sessions/snapshot.py; filled and checked by PostgreSQL, migration 0008).
    signed_on = models.DateField("signing day (clinic's zone)", null=True, blank=True)
    signed_practitioner_name = models.CharField(max_length=150, blank=True, editable=False)
    signed_licence_number = models.CharField(max_length=50, blank=True, editable=False)
    signed_licence_body = models.CharField(max_length=150, blank=True, editable=False)
    signed_licence_expiry = models.DateField(null=True, blank=True, editable=False)
    signed_flags = ArrayField(
        models.TextField(), null=True, blank=True, editable=False,
        help_text="The patient's clinical flags as they were at sign-off.",
    )  # fmt: skip

    objects = TreatmentSessionQuerySet.as_manager()

    class Meta:
        ordering = ["-session_date", "-created_at"]
        constraints = [
            *[
                models.CheckConstraint(
                    condition=Q(**{f"{name}__lte": 10}), name=f"session_{name}_0_10"
                )
                for name in ("nprs_now", "nprs_best", "nprs_worst")
            ],
            *[
                models.CheckConstraint(
                    condition=Q(**{f"{name}__lte": 5}), name=f"session_{name}_0_5"
                )
                for name, _ in ODI_SECTIONS
            ],
            models.CheckConstraint(condition=Q(rmdq_score__lte=24), name="session_rmdq_0_24"),
            models.CheckConstraint(
                condition=Q(needles_out_at__isnull=True)
                | (Q(needles_in_at__isnull=False) & Q(needles_out_at__gte=F("needles_in_at"))),
                name="session_needles_out_after_in",
            ),
            models.CheckConstraint(
                condition=Q(signed_at__isnull=True) | Q(signed_by__isnull=False),
                name="session_signed_has_signer",
            ),
            models.CheckConstraint(
                condition=~Q(pain_cause="other") | ~Q(pain_cause_other=""),
                name="session_other_cause_described",
            ),
        ]
        indexes = [
            models.Index(fields=["patient", "-session_date"], name="session_patient_date_idx"),
            models.Index(
                fields=["needles_in_at"],
                condition=Q(needles_in_at__isnull=False, needles_out_at__isnull=True),
                name="session_running_idx",
            ),
        ]

    def __str__(self):
        return f"Session {self.session_date} · {self.patient}"

    @property
    def is_signed(self) -> bool:
        return self.signed_at is not None

    def is_treated_by(self, user) -> bool:
        """Only the treating practitioner writes (and signs) the record."""
        return user.is_authenticated and self.practitioner.user_id == user.id

    def is_editable_by(self, user) -> bool:
        return (
            not self.is_signed and self.is_treated_by(user) and user.can(Capability.RECORD_SESSIONS)
        )

    @property
    def practitioner_name(self) -> str:
        """The practitioner's name: as at sign-off once signed (migration 0008), as now on a draft."""
        return self.signed_practitioner_name or str(self.practitioner)

    @property
    def odi_sections(self) -> list[int | None]:
        return [getattr(self, name) for name, _ in ODI_SECTIONS]

    @property
    def odi_result(self):
        return odi(self.odi_sections)

    @property
    def retention(self) -> timedelta | None:
        if self.needles_in_at and self.needles_out_at:
            return self.needles_out_at - self.needles_in_at
        return None

    @property
    def retention_minutes(self) -> int | None:
        retention = self.retention
        return None if retention is None else round(retention.total_seconds() / 60)


class NeedlePlacement(models.Model):
    class Side(models.TextChoices):
        LEFT = "left", "Left"
        RIGHT = "right", "Right"
        BILATERAL = "bilateral", "Bilateral"
        MIDLINE = "midline", "No side (midline or group)"

    class Angle(models.TextChoices):
        PERPENDICULAR = "perpendicular", "Perpendicular (~90°)"
        OBLIQUE = "oblique", "Oblique (~45°)"
        TRANSVERSE = "transverse", "Transverse (~15°)"

    class Stimulation(models.TextChoices):
        NONE = "none", "None"
        MANUAL = "manual", "Manual"
        ELECTRO = "electro", "Electroacupuncture"
        WARM_NEEDLE = "warm_needle", "Warm needle / moxa"

    class ManualMethod(models.TextChoices):
        EVEN = "even", "Even"
        TONIFYING = "tonifying", "Tonifying"
        REDUCING = "reducing", "Reducing"

    session = models.ForeignKey(
        TreatmentSession, on_delete=models.CASCADE, related_name="placements"
    )
    position = models.PositiveSmallIntegerField(default=0)
    acupoint = models.ForeignKey(Acupoint, on_delete=models.PROTECT, related_name="+")
    ashi_location = models.CharField(max_length=200, blank=True)
    side = models.CharField(max_length=10, choices=Side.choices)
    needle = models.ForeignKey(Needle, on_delete=models.PROTECT, related_name="+")
    depth_mm = models.DecimalField(
        "depth (mm)", max_digits=4, decimal_places=1, null=True, blank=True
    )
    angle = models.CharField(max_length=14, choices=Angle.choices, default=Angle.PERPENDICULAR)
    stimulation = models.CharField(
        max_length=12, choices=Stimulation.choices, default=Stimulation.NONE
    )
    manual_method = models.CharField(max_length=10, choices=ManualMethod.choices, blank=True)
    ea_frequency = models.CharField("EA frequency (Hz)", max_length=20, blank=True)
    ea_minutes = models.PositiveSmallIntegerField("EA minutes", null=True, blank=True)
    de_qi = models.BooleanField("de qi obtained", default=False)
    notes = models.CharField(max_length=200, blank=True)
    # A multi-point extra point: how many of its points on each side (EX-UE7: 1 or 2),
    # or which ones where they have names (Jiaji: the levels, e.g. L3, L4, L5).
    points_needled = models.PositiveSmallIntegerField("points on each side", default=1)
    named_points = ArrayField(models.CharField(max_length=8), default=list, blank=True)
    # The body-chart region of an Ashi point (sessions.bodychart), for lesion checks.
    region = models.CharField(max_length=20, blank=True)
    # The one place the clean-needle count is computed: points needled on each
    # side, times two for a bilateral placement.
    needle_count = models.GeneratedField(
        expression=F("points_needled")
        * models.Case(models.When(side="bilateral", then=2), default=1),
        output_field=models.PositiveSmallIntegerField(),
        db_persist=True,
    )
    # The point and needle as they were at sign-off (filled by PostgreSQL, migration 0008).
    signed_point_code = models.CharField(max_length=12, blank=True, editable=False)
    signed_point_name = models.CharField(max_length=40, blank=True, editable=False)
    signed_needle_gauge_mm = models.DecimalField(
        max_digits=3, decimal_places=2, null=True, blank=True, editable=False
    )
    signed_needle_length_mm = models.PositiveSmallIntegerField(
        null=True, blank=True, editable=False
    )
    signed_needle_make = models.CharField(max_length=80, blank=True, editable=False)

    class Meta:
        ordering = ["position", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(depth_mm__isnull=True) | (Q(depth_mm__gt=0) & Q(depth_mm__lte=100)),
                name="placement_depth_range",
            ),
            models.CheckConstraint(
                condition=Q(points_needled__gte=1), name="placement_points_needled_positive"
            ),
        ]

    def __str__(self):
        return f"{self.acupoint.code} {self.get_side_display()}"

    @classmethod
    def count_for(cls, side: str, points_needled: int) -> int:
        """needle_count for a placement not saved yet (a protocol's preview);
        the same rule as the generated column above."""
        return points_needled * (2 if side == cls.Side.BILATERAL else 1)

    # What the record shows: the copies made at sign-off once signed (migration
    # 0008), the catalogue and the needle list as they are now on a draft.
    @property
    def point_code(self) -> str:
        return self.signed_point_code or self.acupoint.code

    @property
    def point_name(self) -> str:
        return self.signed_point_name or self.acupoint.pinyin

    @property
    def needle_label(self) -> str:
        if self.signed_needle_length_mm is not None:
            return f"{self.signed_needle_gauge_mm} × {self.signed_needle_length_mm} mm {self.signed_needle_make}"
        return str(self.needle)


class WarningOverride(models.Model):
    """A safety warning the practitioner overrode, and why (kept for good)."""

    class Kind(models.TextChoices):
        PREGNANCY_POINT = "pregnancy_point", "Pregnancy-cautioned point"
        ELECTRO_DEVICE = "electro_device", "Electroacupuncture with an implanted device"
        SKIN_LESION = "skin_lesion", "Point at a recorded skin lesion"
        EPILEPSY_ELECTRO = "epilepsy_electro", "Electroacupuncture with epilepsy"
        DEPTH_CAUTION = "depth_caution", "Deep or perpendicular needling over a structure at risk"
        NOT_LYING_DOWN = "not_lying_down", "Needle phobia or fainting: treated sitting up"

    session = models.ForeignKey(
        TreatmentSession, on_delete=models.CASCADE, related_name="overrides"
    )
    placement = models.ForeignKey(
        NeedlePlacement, null=True, blank=True, on_delete=models.SET_NULL, related_name="overrides"
    )
    kind = models.CharField(max_length=20, choices=Kind.choices)
    detail = models.CharField(max_length=500)
    reason = models.CharField(max_length=300)
    by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField(auto_now_add=True)
    # Who overrode it, by name as at sign-off (filled by PostgreSQL, migration 0008).
    signed_by_name = models.CharField(max_length=150, blank=True, editable=False)

    class Meta:
        ordering = ["at"]
        constraints = [models.CheckConstraint(condition=~Q(reason=""), name="override_has_reason")]

    def __str__(self):
        return f"{self.get_kind_display()}: {self.detail}"


class AdverseEvent(models.Model):
    class Type(models.TextChoices):
        BRUISING = "bruising", "Bruising or bleeding"
        PAIN = "pain", "Pain at a needle site"
        FAINTING = "fainting", "Dizziness or fainting (needle shock)"
        DROWSINESS = "drowsiness", "Drowsiness"
        NAUSEA = "nausea", "Nausea"
        STUCK_NEEDLE = "stuck_needle", "Stuck or bent needle"
        BROKEN_NEEDLE = "broken_needle", "Broken or missing needle"
        BURN = "burn", "Burn (moxa)"
        PNEUMOTHORAX = "pneumothorax", "Pneumothorax"
        OTHER = "other", "Other"

    class Severity(models.TextChoices):
        MILD = "mild", "Mild"
        MODERATE = "moderate", "Moderate"
        SEVERE = "severe", "Severe"

    session = models.ForeignKey(
        TreatmentSession, on_delete=models.CASCADE, related_name="adverse_events"
    )
    type = models.CharField(max_length=16, choices=Type.choices)
    severity = models.CharField(max_length=10, choices=Severity.choices)
    action_taken = models.CharField(max_length=300)
    recorded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["recorded_at"]

    def __str__(self):
        return f"{self.get_type_display()} ({self.get_severity_display().lower()})"


class Addendum(models.Model):
    """A correction to a signed record: the original stays as it was."""

    session = models.ForeignKey(TreatmentSession, on_delete=models.PROTECT, related_name="addenda")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    reason = models.CharField(max_length=300)
    text = models.TextField()

    class Meta:
        ordering = ["created_at"]
        verbose_name_plural = "addenda"
        constraints = [
            models.CheckConstraint(condition=~Q(reason="") & ~Q(text=""), name="addendum_complete")
        ]

    def __str__(self):
        return f"Addendum {self.created_at:%Y-%m-%d %H:%M}"


class Protocol(models.Model):
    """A practitioner's saved set of points, applied in one click."""

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    practitioner = models.ForeignKey(
        "practitioners.Practitioner", on_delete=models.CASCADE, related_name="protocols"
    )
    name = models.CharField(max_length=100)

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(fields=["practitioner", "name"], name="protocol_name_unique")
        ]

    def __str__(self):
        return self.name


class ProtocolPoint(models.Model):
    """One point of a protocol, with the side and needling to use."""

    protocol = models.ForeignKey(Protocol, on_delete=models.CASCADE, related_name="points")
    position = models.PositiveSmallIntegerField(default=0)
    acupoint = models.ForeignKey(Acupoint, on_delete=models.PROTECT, related_name="+")
    side = models.CharField(max_length=10, choices=NeedlePlacement.Side.choices)
    needle = models.ForeignKey(
        Needle, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    depth_mm = models.DecimalField(max_digits=4, decimal_places=1, null=True, blank=True)
    angle = models.CharField(
        max_length=14,
        choices=NeedlePlacement.Angle.choices,
        default=NeedlePlacement.Angle.PERPENDICULAR,
    )
    stimulation = models.CharField(
        max_length=12,
        choices=NeedlePlacement.Stimulation.choices,
        default=NeedlePlacement.Stimulation.NONE,
    )

    class Meta:
        ordering = ["position", "id"]

    def __str__(self):
        return f"{self.acupoint.code} {self.side}"


class SkinLesionSiteQuerySet(models.QuerySet):
    def current(self):
        return self.filter(resolved_at__isnull=True)


class SkinLesionSite(models.Model):
    """A site the patient must not be needled at (local infection, lesion,
    lymphoedema): a point from the catalogue, a body-chart region, or both.
    Resolved sites are kept, hidden from the warnings."""

    class Side(models.TextChoices):
        ANY = "", "Either side (or midline)"
        LEFT = "left", "Left"
        RIGHT = "right", "Right"

    patient = models.ForeignKey(
        "patients.Patient", on_delete=models.PROTECT, related_name="skin_lesion_sites"
    )
    acupoint = models.ForeignKey(
        Acupoint, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    side = models.CharField(max_length=5, choices=Side.choices, blank=True)
    region = models.CharField("body-chart region", max_length=20, blank=True)
    description = models.CharField(max_length=200)
    # Empty only on sites carried over from the old free-text field (migration 0005).
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    recorded_at = models.DateTimeField(auto_now_add=True)
    resolved_at = models.DateTimeField(null=True, blank=True)
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    objects = SkinLesionSiteQuerySet.as_manager()

    class Meta:
        ordering = ["recorded_at", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(acupoint__isnull=False) | ~Q(region=""),
                name="lesion_site_has_point_or_region",
            ),
            models.CheckConstraint(condition=~Q(description=""), name="lesion_site_described"),
        ]
        indexes = [
            models.Index(
                fields=["patient"], condition=Q(resolved_at__isnull=True), name="lesion_current_idx"
            )
        ]

    def __str__(self):
        return self.label

    @property
    def label(self) -> str:
        from sessions.bodychart import LABELS

        where = [
            f"{self.acupoint.code}{f' {self.side}' if self.side else ''}" if self.acupoint else "",
            LABELS.get(self.region, self.region),
        ]
        return f"{', '.join(w for w in where if w)}: {self.description}"

    def covers(self, *, acupoint_id: int, side: str, region: str) -> bool:
        """Does a placement at this point, side and (Ashi) region fall on the site?"""
        if region and region == self.region:
            return True
        if self.acupoint_id is None or self.acupoint_id != acupoint_id:
            return False
        return not self.side or side in (self.side, "bilateral")
