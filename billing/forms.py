from decimal import Decimal

from django import forms


class TaxCodeForm(forms.Form):
    code = forms.CharField(max_length=20)
    name = forms.CharField(max_length=100)
    rate_percent = forms.DecimalField(
        label="Rate (%)", min_value=0, max_value=100, decimal_places=2, max_digits=5
    )

    def service_values(self) -> dict:
        data = self.cleaned_data
        return {
            "code": data["code"],
            "name": data["name"],
            "rate": (data["rate_percent"] / Decimal(100)).normalize(),
        }


class LedgerForm(forms.Form):
    code = forms.CharField(max_length=20)
    name = forms.CharField(max_length=100)

    def service_values(self) -> dict:
        return dict(self.cleaned_data)


class ChargeRateForm(forms.Form):
    name = forms.CharField(max_length=100)
    rate = forms.DecimalField(label="Hourly rate", min_value=0, decimal_places=2, max_digits=12)

    def service_values(self) -> dict:
        return dict(self.cleaned_data)
