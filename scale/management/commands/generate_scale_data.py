"""manage.py generate_scale_data: a clinic group's worth of data, for benchmarks."""

from django.core.management.base import BaseCommand, CommandError

from scale.generator import ScaleRefused, generate
from scale.plan import SCALE_PASSWORD, Plan


class Command(BaseCommand):
    help = (
        "Fill the database with a realistic clinic group (by default 50,000 patients, 40 "
        "practitioners, 5 years of appointments with signed treatment records, needle "
        "placements, outcome scores and the audit trail) using COPY and set-based SQL. "
        "For benchmarks: refuses with CLINIC_ENV=production, and on a database holding "
        "other data unless --force."
    )

    def add_arguments(self, parser):
        defaults = Plan()
        parser.add_argument("--patients", type=int, default=defaults.patients)
        parser.add_argument("--practitioners", type=int, default=defaults.practitioners)
        parser.add_argument(
            "--years",
            type=float,
            default=defaults.years,
            help="Years of appointments, the last --weeks-ahead weeks of them still to come.",
        )
        parser.add_argument("--weeks-ahead", type=int, default=defaults.weeks_ahead)
        parser.add_argument("--seed", type=int, default=defaults.seed)
        parser.add_argument(
            "--clear",
            action="store_true",
            help="Empty the clinic's tables first (TRUNCATE; acupoints and needles stay).",
        )
        parser.add_argument(
            "--force",
            action="store_true",
            help="Run on a database that holds data the generator did not make.",
        )
        parser.add_argument("--no-progress", action="store_true", help="No progress bars.")

    def handle(self, *args, **options):
        for name in ("patients", "practitioners"):
            if options[name] < 1:
                raise CommandError(f"--{name} must be at least 1.")
        if options["years"] <= 0 or options["weeks_ahead"] < 0:
            raise CommandError("--years must be positive and --weeks-ahead not negative.")
        plan = Plan(
            patients=options["patients"],
            practitioners=options["practitioners"],
            years=options["years"],
            seed=options["seed"],
            weeks_ahead=options["weeks_ahead"],
        )
        try:
            report = generate(
                plan,
                clear=options["clear"],
                force=options["force"],
                progress=not options["no_progress"],
            )
        except ScaleRefused as refused:
            raise CommandError(str(refused)) from refused

        write = self.stdout.write
        write(
            f"Generated {plan.patients:,} patients, {plan.practitioners} practitioners, "
            f"{plan.years:g} years (seed {plan.seed}); row triggers skipped by "
            f"{report.trigger_mode}."
        )
        write(f"{'step':<24}{'rows':>12}{'seconds':>10}{'rows/s':>12}")
        for step in report.steps:
            rate = f"{step.rate:,.0f}" if step.rows else ""
            rows = f"{step.rows:,}" if step.rows else ""
            write(f"{step.table:<24}{rows:>12}{step.seconds:>10.1f}{rate:>12}")
        minutes, seconds = divmod(report.seconds, 60)
        write(
            f"{'total':<24}{report.rows:>12,}{report.seconds:>10.1f}"
            f"{report.rows / report.seconds:>12,.0f}"
        )
        write(self.style.SUCCESS(f"Done in {int(minutes)} min {seconds:.0f} s."))
        for name, value in report.facts.items():
            write(f"  {name}: {value}")
        write(f"  checks passed: {len(report.checks)} ({'; '.join(report.checks)})")
        write(f"  every generated account's password: {SCALE_PASSWORD}")
        write("  verify the audit chain with: manage.py verify_audit")
