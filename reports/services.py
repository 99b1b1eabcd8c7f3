"""What the report pages write: only the audit trail's record of who took
clinical figures or the research export out of the app."""

import audit.services


def record_outcomes_export(*, by, table: str, filters: dict) -> None:
    audit.services.record(
        "reports.outcomes.exported", actor=by, data={"table": table, "filters": filters}
    )


def record_research_export(*, by, result) -> None:
    """A refusal is kept too: someone tried, and why it was refused."""
    if result.refusal:
        audit.services.record(
            "reports.research_export.refused",
            actor=by,
            data={"reason": result.refusal, "small_groups": len(result.small_groups)},
        )
    else:
        audit.services.record(
            "reports.research_export.downloaded",
            actor=by,
            data={"courses": len(result.rows), "patients": result.patients},
        )
