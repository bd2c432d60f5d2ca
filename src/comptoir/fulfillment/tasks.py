"""Background entry points for fulfillment; each calls one service."""

from django_tasks import task

from comptoir.fulfillment import dispatch, services


@task()
def dispatch_shipment(shipment_id: int) -> bool:
    return dispatch.dispatch_one(shipment_id)


@task()
def dispatch_due() -> int:
    """Batches at their slot, retries whose time came, shipments of dead workers."""
    return dispatch.dispatch_due_shipments()


@task()
def deliver_overdue() -> int:
    return services.deliver_overdue()


@task()
def pick_up_provider_files() -> int:
    from comptoir.fulfillment import files

    return files.pick_up_all()


@task()
def read_provider_mailboxes() -> int:
    from comptoir.fulfillment import mailbox

    return mailbox.read_all()
