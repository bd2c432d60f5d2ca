from django.contrib import admin
from django.utils.translation import gettext_lazy as _

admin.site.site_header = _("Comptoir — back office")
admin.site.site_title = _("Comptoir")
admin.site.index_title = _("Your shop")
