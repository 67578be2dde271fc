"""The admin site's page for the working days moved by decree. Every save and delete goes through
appeals/services/calendar.py (validated, audited, stored due dates recomputed), never a bare model save."""

from typing import Any

from django import forms
from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from . import permissions
from .models import CalendarDayChange
from .services import calendar as calendar_services


class CalendarDayChangeForm(forms.ModelForm):
    decree_url = forms.URLField(
        label=_("decree address (URL)"), max_length=500, required=False, assume_scheme="https"
    )

    class Meta:
        model = CalendarDayChange
        fields = ("day_date", "kind", "decree_number", "decree_date", "decree_title", "decree_url")
        help_texts = {
            "kind": _(
                "A working day: a Saturday, a Sunday or a public holiday the decree makes a working day. An extra "
                "day off: a normally working day the decree makes a day off."
            ),
            "decree_number": _("As printed on the decree, for example 123."),
            "decree_title": _("Optional: the decree's title, as published."),
        }

    def validate_unique(self) -> None:
        """The service's own check (below) names the date; Django's generic one would repeat it."""

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        problems = calendar_services.day_change_problems(
            day_date=data.get("day_date"),
            kind=data.get("kind") or "",
            decree_number=data.get("decree_number") or "",
            decree_date=data.get("decree_date"),
            decree_url=data.get("decree_url") or "",
            exclude_id=self.instance.pk,
        )
        for name, message in problems.items():
            if name not in self.errors:  # a field Django already refused keeps its own message
                self.add_error(name if name in self.fields else None, message)
        return data


@admin.register(CalendarDayChange)
class CalendarDayChangeAdmin(admin.ModelAdmin):
    form = CalendarDayChangeForm
    list_display = ("day_date", "kind", "decree_number", "decree_date", "recorded_by", "recorded_at")
    list_filter = ("kind",)
    ordering = ("-day_date",)
    date_hierarchy = "day_date"
    readonly_fields = ("recorded_by", "recorded_at", "changed_at")

    def _allowed(self, request: HttpRequest) -> bool:
        return permissions.can_change_calendar(request.user)

    def has_module_permission(self, request: HttpRequest) -> bool:
        return self._allowed(request) and super().has_module_permission(request)

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return self._allowed(request) and super().has_view_permission(request, obj)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return self._allowed(request) and super().has_add_permission(request)

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return self._allowed(request) and super().has_change_permission(request, obj)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return self._allowed(request) and super().has_delete_permission(request, obj)

    def save_model(self, request: HttpRequest, obj: CalendarDayChange, form: Any, change: bool) -> None:
        fields = {name: form.cleaned_data.get(name) for name in CalendarDayChangeForm.Meta.fields}
        # The form ran the service's own checks; the service checks again under the calendar's lock.
        if change:
            result = calendar_services.calendar_day_change_update(
                change_id=obj.pk, actor=request.user, **fields
            )
        else:
            result = calendar_services.calendar_day_change_record(actor=request.user, **fields)
        assert result.change is not None
        for name in (*CalendarDayChangeForm.Meta.fields, "pk", "recorded_by_id", "recorded_at", "changed_at"):
            setattr(obj, name, getattr(result.change, name))
        self._say_moved(request, len(result.moved_appeal_ids))

    def delete_model(self, request: HttpRequest, obj: CalendarDayChange) -> None:
        result = calendar_services.calendar_day_change_delete(change_id=obj.pk, actor=request.user)
        self._say_moved(request, len(result.moved_appeal_ids))

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet[CalendarDayChange]) -> None:
        moved = 0
        for pk in queryset.order_by("pk").values_list("pk", flat=True):
            result = calendar_services.calendar_day_change_delete(change_id=pk, actor=request.user)
            moved += len(result.moved_appeal_ids)
        self._say_moved(request, moved)

    def _say_moved(self, request: HttpRequest, count: int) -> None:
        messages.info(
            request,
            ngettext(
                "The due date of %(count)s open appeal moved; its timeline names the decree.",
                "The due dates of %(count)s open appeals moved; each one's timeline names the decree.",
                count,
            )
            % {"count": count},
        )
