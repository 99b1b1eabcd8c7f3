from dataclasses import dataclass

from django.db import connection

# The digest is recomputed by the same SQL function the insert trigger uses.
CHAIN_SQL = """
SELECT id, chain_position, prev_hash, hash, audit_event_digest(prev_hash, e) AS expected
FROM audit_auditevent e
ORDER BY chain_position
"""


@dataclass(frozen=True)
class BrokenLink:
    id: int
    chain_position: int
    reason: str


def first_broken_link() -> BrokenLink | None:
    """Walk the chain in batches (server-side cursor) and return the first bad row."""
    previous_hash, expected_position = "", 1
    with connection.chunked_cursor() as cursor:
        cursor.execute(CHAIN_SQL)
        while rows := cursor.fetchmany(5000):
            for row_id, position, prev_hash, stored, recomputed in rows:
                if position != expected_position:
                    return BrokenLink(
                        row_id, position, f"expected position {expected_position}: a row is missing"
                    )
                if prev_hash != previous_hash:
                    return BrokenLink(row_id, position, "does not link to the previous row's hash")
                if stored != recomputed:
                    return BrokenLink(row_id, position, "its contents do not match its hash")
                previous_hash, expected_position = stored, expected_position + 1
    return None
