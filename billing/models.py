from django.db import models


class TaxCode(models.Model):
    """A VAT/sales-tax rate; `rate` is a fraction (0.2 is 20 %), as the API shows it."""

    code = models.CharField(max_length=20, unique=True)
    name = models.CharField(max_length=100)
    rate = models.DecimalField(max_digits=6, decimal_places=4)
    position = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["position", "code"]

    def __str__(self):
        return f"{self.name} ({(self.rate * 100).normalize():f}%)"


class LedgerCategory(models.Model):
    """A nominal ledger code that invoice lines are posted to."""

    code = models.CharField(max_length=20, unique=True)
    name = models.CharField(max_length=100)
    position = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["position", "code"]
        verbose_name_plural = "ledger categories"

    def __str__(self):
        return f"{self.code} {self.name}"


class ChargeRate(models.Model):
    """An hourly rate that time is billed at."""

    name = models.CharField(max_length=100, unique=True)
    rate = models.DecimalField(max_digits=12, decimal_places=2)
    position = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["position", "name"]

    def __str__(self):
        return f"{self.name} ({self.rate})"
