"""Random bookings for the practice reports' tests: two practitioners, two
rooms, five patients, every status, appointments made before, on and after
their day, cancelled twins at a visit's own start; 23 Feb to 31 Mar 2026,
across the clocks going forward (29 March, Europe/London), and a few around
their going back (25 October)."""

import datetime
import random

from scheduling.models import Appointment
from tests.factories import PatientFactory
from tests.factories.scheduling import AppointmentFactory, RoomFactory

UTC = datetime.UTC


def random_bookings(practitioners, seed: int = 16) -> None:
    rng = random.Random(seed)
    rooms, patients = (
        [RoomFactory(name="Oak"), RoomFactory(name="Elm")],
        PatientFactory.create_batch(5),
    )
    for slot in range(60):  # two hours apart: nobody double-booked
        start = datetime.datetime(2026, 2, 23, 7, tzinfo=UTC) + datetime.timedelta(
            days=slot // 5 * 3, hours=slot % 5 * 2
        )
        status = rng.choice(["completed", "completed", "no_show", "cancelled", "booked"])
        extra = {}
        if status == "cancelled":
            extra = {
                "cancelled_at": start - datetime.timedelta(hours=rng.choice([2, 48])),
                "cancelled_by": Appointment.CancelledBy.PATIENT,
                "cancellation_reason": "Unwell",
                "late_cancellation": rng.random() < 0.5,
            }
        appointment = AppointmentFactory(
            patient=rng.choice(patients),
            practitioner=rng.choice(practitioners),
            room=rng.choice(rooms),
            start_at=start,
            status=status,
            **extra,
        )
        Appointment.objects.filter(pk=appointment.pk).update(
            created_at=start - datetime.timedelta(hours=rng.choice([-30, -3, 5, 20, 72]))
        )
    # The short day the clocks go forward (29 March, 01:00 GMT → 02:00 BST):
    # 00:30 UTC is 00:30 that day; 23:30 UTC is 00:30 BST on the 30th.
    for hour, patient in zip((0.5, 12, 23.5), patients, strict=False):
        start = datetime.datetime(2026, 3, 29, tzinfo=UTC) + datetime.timedelta(hours=hour)
        visit = AppointmentFactory(
            patient=patient,
            practitioner=practitioners[0],
            room=rooms[0],
            start_at=start,
            status="completed",
        )
        Appointment.objects.filter(pk=visit.pk).update(
            created_at=start - datetime.timedelta(hours=rng.choice([-30, -3, 20]))
        )
    # The long day the clocks go back (25 October, 01:00 GMT: 01:00–02:00 local
    # twice). 23:30 UTC on the 24th is 00:30 BST on the 25th; 00:30 and 01:30
    # UTC are both 01:30 local; 23:30 UTC on the 25th is 23:30 GMT that day.
    for n, start in enumerate(
        datetime.datetime(2026, 10, 24, 23, 30, tzinfo=UTC) + datetime.timedelta(hours=hours)
        for hours in (0, 1, 2, 24, 26)
    ):
        visit = AppointmentFactory(
            patient=patients[n % 2],
            practitioner=practitioners[n % len(practitioners)],
            room=rooms[n % 2],
            start_at=start,
            status="completed" if n != 3 else "no_show",
        )
        Appointment.objects.filter(pk=visit.pk).update(
            created_at=start - datetime.timedelta(hours=rng.choice([-30, -3, 20]))
        )
    # A cancelled twin at the same start, made long before: it starts with the
    # visit, not later, so it must not count as the visit's rebooking.
    for visit in Appointment.objects.filter(status="completed").order_by("start_at")[::4]:
        twin = AppointmentFactory(
            patient=visit.patient,
            practitioner=visit.practitioner,
            room=visit.room,
            start_at=visit.start_at,
            status="cancelled",
            cancelled_at=visit.start_at - datetime.timedelta(days=1),
            cancelled_by=Appointment.CancelledBy.CLINIC,
            cancellation_reason="Moved",
        )
        Appointment.objects.filter(pk=twin.pk).update(
            created_at=visit.start_at - datetime.timedelta(days=9)
        )
