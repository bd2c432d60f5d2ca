from django_tasks import task


@task()
def run_import(job_id: int) -> None:
    from comptoir.imports.services import run_import_job

    run_import_job(job_id)


@task()
def fetch_import_images(job_id: int | None) -> None:
    """Fetch the images an import listed, a batch per run; re-enqueues itself until done."""
    from comptoir.imports.models import PendingImage
    from comptoir.imports.services import fetch_pending_images

    fetch_pending_images(job_id=job_id)
    pending = PendingImage.objects.filter(status=PendingImage.Status.PENDING)
    if job_id is not None:
        pending = pending.filter(job_id=job_id)
    if pending.exists():
        fetch_import_images.enqueue(job_id)


@task()
def run_export(job_id: int) -> None:
    from comptoir.imports.exports import run_export_job

    run_export_job(job_id)
