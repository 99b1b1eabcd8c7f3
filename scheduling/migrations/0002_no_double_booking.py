"""No double booking, enforced by PostgreSQL.

An exclusion constraint needs btree_gist to compare a practitioner id with '='
inside a GiST index, and the embedded PostgreSQL has no contrib extensions. So
each active appointment is mapped to one int8range on a single number line:

    owner_id * 10^11 + seconds since 1970  (start)  …  (blocked_until)

Two such ranges overlap only when the owner (practitioner, or room) is the
same and the times overlap, so ``EXCLUDE USING gist (range WITH &&)`` is exactly
"no two overlapping active appointments per practitioner/room". 10^11 seconds
reach the year 5138; ids stay below 9.2 * 10^7 before a bigint overflows.
``timestamptz - to_timestamp(0)`` and ``extract(epoch from interval)`` are both
immutable, as an index expression must be. Cancelled and no-show appointments
are outside the WHERE clause and block nothing.
"""

from django.db import migrations


def _range(owner: str) -> str:
    def edge(column: str) -> str:
        return f"{owner} * 100000000000 + extract(epoch FROM ({column} - to_timestamp(0)))::bigint"

    return f"int8range({edge('start_at')}, {edge('blocked_until')})"


ACTIVE = "status IN ('booked', 'arrived', 'in_treatment', 'completed')"

SQL = f"""
ALTER TABLE scheduling_appointment
  ADD CONSTRAINT scheduling_no_practitioner_double_booking
  EXCLUDE USING gist ({_range("practitioner_id")} WITH &&) WHERE ({ACTIVE});
ALTER TABLE scheduling_appointment
  ADD CONSTRAINT scheduling_no_room_double_booking
  EXCLUDE USING gist ({_range("room_id")} WITH &&) WHERE ({ACTIVE});
"""

REVERSE = """
ALTER TABLE scheduling_appointment DROP CONSTRAINT scheduling_no_practitioner_double_booking;
ALTER TABLE scheduling_appointment DROP CONSTRAINT scheduling_no_room_double_booking;
"""

PRACTITIONER_CONSTRAINT = "scheduling_no_practitioner_double_booking"
ROOM_CONSTRAINT = "scheduling_no_room_double_booking"


class Migration(migrations.Migration):
    dependencies = [("scheduling", "0001_initial")]
    operations = [migrations.RunSQL(SQL, REVERSE)]
