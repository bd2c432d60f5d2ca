from django_tasks import task


@task()
def read_support_mailboxes() -> int:
    from comptoir.support.inbound import read_all

    return read_all()


@task()
def raise_overdue_tickets() -> int:
    from comptoir.support.services import raise_overdue

    return raise_overdue()
