from django import template

from comptoir.inbox.models import InboxItem, ItemStatus

register = template.Library()


@register.simple_tag
def inbox_open_count() -> int:
    return InboxItem.objects.filter(status=ItemStatus.OPEN).count()
