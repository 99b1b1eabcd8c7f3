"""The outcome pages' SQL (reports/figures.py) gives the same figures as the
pure functions of reports/outcomes.py (the definitions, tested by hand in
test_outcome_figures.py), on randomly generated courses stored in the course
summary as ``refresh`` stores them."""

import datetime
import math
import random
from decimal import Decimal

import pytest
from django.utils import timezone

from reports import figures
from reports.models import CourseSummary
from reports.outcomes import (
    RESPONDER_VISITS,
    Filters,
    SessionRow,
    apply_filters,
    breakdown,
    build_courses,
    drop_out,
    improvement_curve,
    index_safety,
    safety_counts,
    summarise,
    top_point_sets,
)
from reports.summary import SAFETY_KEYS, summary_of
from tests.factories import PatientFactory
from tests.factories.scheduling import AppointmentFactory

pytestmark = pytest.mark.django_db
TODAY = datetime.date(2026, 6, 1)
CAUSES = ["muscle_strain", "herniated_disc", "arthritis", "other", ""]
PROTOCOLS = ["", "", "Lumbar strain", "Sciatica"]
POINT_SETS = [(), ("BL23",), ("BL23", "BL40"), ("BL23", "BL40", "GB30"), ("GV4", "KI3")]


def random_rows(rng, patient_ids, practitioner_ids):
    """Signed sessions of each patient: one to four courses (a gap of more than
    90 days between them), each of 1–12 weekly sessions with scores or not."""
    rows, ids = [], iter(range(1, 1_000_000))
    for patient in patient_ids:
        day = datetime.date(2025, 1, 1) + datetime.timedelta(days=rng.randint(0, 200))
        for _ in range(rng.randint(1, 4)):
            cause, protocol = rng.choice(CAUSES), rng.choice(PROTOCOLS)
            nprs, odi = rng.randint(0, 10), rng.randint(0, 1000)
            for _ in range(rng.randint(1, 12)):
                nprs = min(10, max(0, nprs + rng.randint(-3, 2)))
                odi = min(1000, max(0, odi + rng.randint(-150, 80)))
                rows.append(
                    SessionRow(
                        id=next(ids),
                        patient_id=patient,
                        practitioner_id=rng.choice(practitioner_ids),
                        date=day,
                        cause=cause if rng.random() < 0.8 else "",
                        nprs=nprs if rng.random() < 0.8 else None,
                        odi=Decimal(odi) / 10 if rng.random() < 0.5 else None,
                        rmdq=rng.randint(0, 24) if rng.random() < 0.3 else None,
                        next_visit_planned=rng.random() < 0.8,
                        protocol=protocol if rng.random() < 0.7 else "",
                        points=rng.choice(POINT_SETS),
                    )
                )
                day += datetime.timedelta(days=rng.choice([3, 7, 14]))
            day += datetime.timedelta(days=rng.randint(91, 200))
    return rows


def random_safety(rng, rows):
    sessions = [r.id for r in rows]
    pick = lambda share: [s for s in sessions if rng.random() < share]  # noqa: E731
    return index_safety(
        {
            "adverse": [
                (s, rng.choice(["bruising", "fainting"]), rng.choice(["mild", "moderate"]))
                for s in pick(0.05)
            ],
            "overrides": [(s, "depth_caution") for s in pick(0.03)],
            "incidents": set(pick(0.01)),
            "referrals": set(pick(0.02)),
        }
    )


def assert_same_summary(sql, pure):
    assert (sql.label, sql.n, sql.responders, sql.by_visit) == (
        pure.label,
        pure.n,
        pure.responders,
        pure.by_visit,
    )
    for a, b in ((sql.nprs, pure.nprs), (sql.odi, pure.odi)):
        assert (a.measure, a.n) == (b.measure, b.n)
        if b.ci is None:
            assert a.ci is None
            continue
        assert a.ci.n == b.ci.n
        for x, y in ((a.ci.mean, b.ci.mean), (a.ci.low, b.ci.low), (a.ci.high, b.ci.high)):
            assert (x is None and y is None) or math.isclose(x, y, rel_tol=1e-9, abs_tol=1e-9)


@pytest.fixture
def stored(practitioner, other_practitioner, request):
    rng = random.Random(request.param)
    patients = [PatientFactory().id for _ in range(25)]
    rows = random_rows(rng, patients, [practitioner.id, other_practitioner.id])
    courses = build_courses(rows)
    raw = random_safety(rng, rows)
    counts = [safety_counts([s.id for s in c.sessions], raw) for c in courses]
    CourseSummary.objects.bulk_create(
        summary_of(c, count) for c, count in zip(courses, counts, strict=True)
    )
    AppointmentFactory(patient_id=patients[0], practitioner=practitioner)  # booked ahead
    AppointmentFactory(  # booked, but past: the course may have ended
        patient_id=patients[1],
        practitioner=practitioner,
        start_at=datetime.datetime(2025, 3, 3, 10, tzinfo=datetime.UTC),
    )
    by_course = {(c.patient_id, c.number): count for c, count in zip(courses, counts, strict=True)}
    return courses, by_course, {patients[0]}


@pytest.mark.parametrize("stored", [1, 2, 3], indirect=True)
def test_the_sql_figures_equal_the_pure_functions(stored, practitioner):
    courses, safety, booked = stored
    assert len(courses) > 40
    for f in [
        Filters(),
        Filters(cause="herniated_disc"),
        Filters(band="Moderate disability"),
        Filters(protocol="Lumbar strain"),
        Filters(start=datetime.date(2025, 6, 1), end=datetime.date(2026, 1, 31)),
        Filters(practitioner_id=practitioner.id, cause="muscle_strain"),
        Filters(cause="other", start=datetime.date(2030, 1, 1)),  # none
    ]:
        pure = apply_filters(courses, f)
        chosen = figures.chosen(f)
        found = figures.summaries(chosen)
        assert_same_summary(found.all, summarise("All courses", pure))
        for by, key in [
            ("cause", lambda c: c.cause),
            ("band", lambda c: c.baseline_band),
            ("protocol", lambda c: c.protocol),
            ("practitioner", lambda c: str(c.practitioner_id)),
        ]:
            sql, expected = found.breakdown(by), breakdown(pure, key)
            assert len(sql) == len(expected)
            for a, b in zip(sql, expected, strict=True):
                assert_same_summary(a, b)
        for a, b in zip(found.top_point_sets(), top_point_sets(pure), strict=True):
            assert_same_summary(a, b)
        assert len(found.top_point_sets()) == len(top_point_sets(pure))

        curve, expected = figures.curve(chosen), improvement_curve(pure)
        assert (curve.n, curve.median) == (expected.n, expected.median)
        assert [(s.time, s.at_risk, s.events, s.censored) for s in curve.steps] == [
            (s.time, s.at_risk, s.events, s.censored) for s in expected.steps
        ]
        assert [s.cumulative for s in curve.steps] == pytest.approx(
            [s.cumulative for s in expected.steps]
        )

        totals = figures.totals(
            chosen, today=TODAY, now=timezone.now(), practitioner_id=practitioner.id
        )
        assert totals.drop_out == drop_out(pure, TODAY, booked)
        expected_safety = {
            key: sum(safety[c.patient_id, c.number][key] for c in pure) for key in SAFETY_KEYS
        }
        assert dict(totals.safety) == expected_safety
        assert totals.mine == sum(practitioner.id in c.practitioner_ids for c in pure)
        if f == Filters():  # the data exercise every figure
            assert found.all.nprs.ci.low is not None and found.all.odi.ci.low is not None
            assert curve.steps and found.top_point_sets() and totals.drop_out.dropped
            assert all(share.n for _, share in found.all.by_visit)
            assert totals.safety["type:bruising"] and totals.mine


def test_the_summary_has_a_column_per_responder_visit():
    names = {f.name for f in CourseSummary._meta.get_fields()}
    assert {f"improved_by_{v}" for v in RESPONDER_VISITS} <= names
