from django.db import models


class RateLimitBucket(models.Model):
    """One API client's token bucket, kept the GCRA way as a single number: the
    moment (Unix epoch, microseconds) at which the bucket would be full again. Each
    request moves it one interval later; see config.api.throttle."""

    key = models.CharField(max_length=100, primary_key=True)
    full_at = models.BigIntegerField()

    class Meta:
        db_table = "docket_ratelimit"

    def __str__(self):
        return self.key


class RowCount(models.Model):
    """How many rows a table holds, kept up to date by the table's own triggers (see
    config.api.counts), so a list that filters nothing answers its `total` without
    counting. No row for a table means it isn't counted: lists count themselves."""

    table_name = models.CharField(max_length=63, primary_key=True)
    row_count = models.BigIntegerField()

    class Meta:
        db_table = "docket_rowcount"

    def __str__(self):
        return f"{self.table_name}: {self.row_count}"
