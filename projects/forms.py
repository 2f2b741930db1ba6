from django import forms


class ActivityTypeForm(forms.Form):
    name = forms.CharField(max_length=100)

    def service_values(self) -> dict:
        return dict(self.cleaned_data)
