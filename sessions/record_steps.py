"""The steps of a draft treatment record (issue 14), in the order a practitioner
works through a session: assessment, needles, retention and count, follow-up,
sign. Each step is a page of its own (``/records/<uuid>/step/<slug>/``) that
renders only its own sections and forms; the record's header and a summary of
the finished steps are on every one.

Where the parts of the record go:

* assessment: the assessment form (pain chart, scores, ODI, red flags,
  contraindications);
* needles: the patient's cautions and consent, the skin-lesion sites (not to
  needle), the placements (add, remove, a protocol, copy the last session) and
  a placement's own safety override;
* retention: needles in and out, the timer, the count, after removal, the
  missing-needle incident, and adverse events (they happen while the needles
  are in or as they come out);
* follow-up: response, recommendations, plan, next visit and booking it;
* sign: the warnings that apply now and need a reason (overrides), the
  checklist, what will be signed, and signing.

"Done" is what the record holds, not where the practitioner has been: a step
is done when the sign-off checklist has nothing left to ask of it.
"""

from __future__ import annotations

from dataclasses import dataclass

from sessions.models import TreatmentSession


@dataclass(frozen=True)
class Step:
    slug: str
    title: str
    sections: tuple[str, ...]  # each a <section id="section-NAME"> (record_NAME.html)


STEPS = (
    Step("assessment", "Assessment", ("assessment",)),
    Step("needles", "Needles", ("needles",)),
    Step("retention", "Retention and count", ("retention", "adverse")),
    Step("follow-up", "Follow-up", ("followup",)),
    Step("sign", "Sign", ("sign",)),
)
BY_SLUG = {step.slug: step for step in STEPS}
STEP_OF_SECTION = {section: step for step in STEPS for section in step.sections}
SLUG_PATTERN = "|".join(step.slug for step in STEPS)


class StepConverter:
    """``<step:step>`` in a URL: only the five steps match, anything else is 404."""

    regex = SLUG_PATTERN

    def to_python(self, value: str) -> Step:
        return BY_SLUG[value]

    def to_url(self, value) -> str:
        return value.slug if isinstance(value, Step) else str(value)


def is_done(step: Step, session: TreatmentSession, inserted: int) -> bool:
    """Whether the record already holds what this step is for. ``inserted`` is
    the needles in (services.needles_inserted), passed in: it reads the
    placements the page has loaded."""
    if step.slug == "assessment":
        return session.contraindications_reviewed and not (
            session.red_flags and not session.red_flag_decision
        )
    if step.slug == "needles":
        return inserted > 0
    if step.slug == "retention":
        return session.needles_out_at is not None and (
            session.needles_removed == inserted
            or (
                session.missing_needle_incident
                and session.missing_needle_found is not None
                and bool(session.missing_needle_details.strip())
            )
        )
    if step.slug == "follow-up":
        return bool(session.response or session.plan.strip() or session.next_visit_in_days)
    return session.is_signed


def progress(session: TreatmentSession, inserted: int, current: Step | None = None) -> list[dict]:
    """The step navigation: each step with its number, whether it is done and
    whether it is the one shown."""
    return [
        {
            "step": step,
            "number": number,
            "done": is_done(step, session, inserted),
            "current": step == current,
        }
        for number, step in enumerate(STEPS, start=1)
    ]


def first_unfinished(session: TreatmentSession, inserted: int) -> Step:
    """Where opening a draft takes its author: the first step not done (sign
    when all are)."""
    return next((s for s in STEPS if not is_done(s, session, inserted)), STEPS[-1])
