"""Background entry points for orders; each calls one service."""

from django_tasks import task

from comptoir.orders import reminders, services


@task()
def expire_unpaid() -> int:
    return services.expire_unpaid_orders()


@task()
def remind_manual_payments() -> int:
    return reminders.remind_and_cancel_manual_payments()
