from django.contrib import admin

from .models import Activity, Company, Contact, Tag


@admin.register(Company)
class CompanyAdmin(admin.ModelAdmin):
    list_display = ("name", "telephone", "city", "is_supplier", "lastupdated")
    search_fields = ("name",)
    list_filter = ("is_supplier",)


@admin.register(Contact)
class ContactAdmin(admin.ModelAdmin):
    list_display = ("fullname", "email", "company", "telephone", "lastupdated")
    list_select_related = ("company",)
    search_fields = ("fullname", "email")
    raw_id_fields = ("company",)


@admin.register(Activity)
class ActivityAdmin(admin.ModelAdmin):
    list_display = ("title", "type", "for_type", "for_id", "added_by", "date")
    list_select_related = ("added_by",)
    raw_id_fields = ("added_by", "replyto")


admin.site.register(Tag)
