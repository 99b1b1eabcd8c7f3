from django.core.management.base import BaseCommand, CommandError

from demo.seeding import CLINIC_NAME, DEMO_PASSWORD, DEMO_URL, DemoSeedingRefused, seed_demo


class Command(BaseCommand):
    """Fill a development database with a demo clinic: a clinic admin, a front-desk
    user, three practitioners (one with an expired licence) and about 200 patients,
    20 of them with portal accounts. The data is the same on every run (fixed random
    seed). Running it again creates nothing new and resets the demo accounts' names,
    roles and passwords. Every demo account uses one known password, so it refuses
    to run unless DEBUG is on."""

    help = __doc__

    def handle(self, *args, **options):
        try:
            result = seed_demo()
        except DemoSeedingRefused as exc:
            raise CommandError(str(exc)) from exc

        created, totals = result.created, result.totals
        out = self.stdout
        out.write(self.style.SUCCESS(f"Demo clinic ready: {CLINIC_NAME}."))
        out.write(
            f"  {totals['patients']} patients ({totals['portal_accounts']} with portal accounts, "
            f"{totals['archived_patients']} archived), {totals['practitioners']} practitioners, "
            "1 front desk, 1 clinic admin."
        )
        out.write(
            f"  Created this run: {created['users']} users, {created['practitioners']} "
            f"practitioners, {created['patients']} patients (the rest were already there)."
        )
        out.write("")
        out.write(self.style.MIGRATE_HEADING(f"Demo logins (open {DEMO_URL}):"))
        width = max(len(login.email) for login in result.logins)
        for login in result.logins:
            out.write(f"  {login.role:<13} {login.email:<{width}}  {DEMO_PASSWORD}  {DEMO_URL}")
        out.write(
            "Every other demo account (the other two practitioners and the portal patients) "
            f"uses the same password, {DEMO_PASSWORD}."
        )
