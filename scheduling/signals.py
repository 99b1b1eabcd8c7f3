"""What scheduling tells the apps above it, without importing them.

``appointment_status_changed`` is sent inside the transaction of a status
change (``change_status``, ``cancel_appointment``) once the appointment is
saved, with ``appointment``, ``previous`` (its status before) and ``by``.
A receiver's writes commit or roll back with the change; an error it raises
undoes the change. Billing invoices visits and policy fees from it.
"""

from django.dispatch import Signal

appointment_status_changed = Signal()
