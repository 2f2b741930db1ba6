"""Every form's first wrong field carries `autofocus` when the form comes back refused.

A refused full-page submit otherwise leaves the focus on <body>, and a keyboard (or
screen reader) user starts again from the top of the page. The browser honours
`autofocus` on page load with no script at all (the signed-out pages load none), and
htmx honours it in content it swaps in (the modal, a settings row, the journal).

A form with errors of its own (not any one field's) shows them in a summary at the
top (templates/components/form_fields.html), and the summary takes the focus instead.

Also the fields for money typed on a page, which take it as the pages write it.
"""

from django import forms
from django.forms import BoundField
from django.forms.renderers import DjangoTemplates

from config.money import typed_amount


def first_wrong_field(form) -> str | None:
    """The name of the form's first shown field, in form order, that has an error."""
    errors = form.errors if form.is_bound else {}
    return next(
        (n for n, field in form.fields.items() if n in errors and not field.widget.is_hidden),
        None,
    )


class FocusFirstErrorBoundField(BoundField):
    @property
    def takes_focus(self) -> bool:
        """Whether this field is where a refused form starts the keyboard (a template
        that draws the field's inputs itself marks them with this)."""
        form = self.form
        return (
            bool(self.errors)
            and not form.non_field_errors()
            and first_wrong_field(form) == self.name
        )

    def build_widget_attrs(self, attrs, widget=None):
        attrs = super().build_widget_attrs(attrs, widget)
        if self.takes_focus:
            attrs.setdefault("autofocus", True)
        return attrs


class FormRenderer(DjangoTemplates):
    bound_field_class = FocusFirstErrorBoundField


class AmountField(forms.CharField):
    """Money typed on a page, passed on as the service reads it: the currency symbol
    and thousands separators the pages write ("£1,847.48") are taken out."""

    def to_python(self, value):
        return typed_amount(super().to_python(value))


class DecimalAmountField(forms.DecimalField):
    """As AmountField, for a form that checks the number itself."""

    def to_python(self, value):
        if isinstance(value, str):
            value = typed_amount(value)
        return super().to_python(value)
