from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from comptoir.inbox.models import InboxItem, ItemStatus
from comptoir.inbox.services import close_item


@admin.register(InboxItem)
class InboxItemAdmin(admin.ModelAdmin):
    list_display = ["title", "kind", "status", "order", "raised_count", "created_at"]
    list_filter = ["status", "kind"]
    search_fields = ["title", "key"]
    readonly_fields = [f.name for f in InboxItem._meta.fields]
    actions = ["close_selected"]

    def has_add_permission(self, request) -> bool:
        return False

    @admin.action(description=_("Mark as handled"))
    def close_selected(self, request, queryset) -> None:
        for item in queryset.filter(status=ItemStatus.OPEN):
            close_item(item.shop, kind=item.kind, key=item.key, reason=str(_("Handled by hand")))
