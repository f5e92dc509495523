from django import forms
from django.core.exceptions import ValidationError


def add_errors(form, error: ValidationError):
    """Put an action's ValidationError on the form, next to the field it names."""
    if hasattr(error, "error_dict"):
        for field, errors in error.error_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, error)


class RequiredByAction:
    """Form mixin: ``required_by_action`` names fields an action insists on.

    The form leaves them optional so that the action can name every missing one at once, but the
    field template must not mark them "(optional)".
    """

    required_by_action = ()

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name in self.required_by_action:
            self.fields[name].required_by_action = True


class DateInput(forms.DateInput):
    """The browser's own date picker; the value in the ISO form it expects."""

    input_type = "date"

    def __init__(self, **kwargs):
        super().__init__(format="%Y-%m-%d", **kwargs)


class DateTimeInput(forms.DateTimeInput):
    """The browser's own date-and-time picker (``datetime-local``)."""

    input_type = "datetime-local"

    def __init__(self, **kwargs):
        super().__init__(format="%Y-%m-%dT%H:%M", **kwargs)


class StaffChoiceField(forms.ModelChoiceField):
    """A choice of staff users, each shown with their organisation so that two Karis can be told apart.

    The caller gives the queryset; it should ``select_related("staff_profile__organisation")``.
    """

    def label_from_instance(self, user):
        return f"{user.get_full_name() or user.username} – {user.staff_profile.organisation}"
