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


class IdempotencyKey(models.Model):
    """A POST sent with `Idempotency-Key`: who sent it (the rate-limit key of its
    credential or user), the key, a fingerprint of the request, and once it has run,
    its answer, given again to a repeat within 24 hours. `status_code` is empty while
    the first request runs. See config.api.idempotency."""

    caller = models.CharField(max_length=100)
    key = models.CharField(max_length=255)
    fingerprint = models.CharField(max_length=64)
    created_at = models.DateTimeField(db_index=True)
    status_code = models.PositiveSmallIntegerField(null=True, blank=True)
    content_type = models.CharField(max_length=255, blank=True)
    body = models.BinaryField(blank=True, default=b"")

    class Meta:
        db_table = "docket_idempotency"
        constraints = [
            models.UniqueConstraint(fields=["caller", "key"], name="idempotency_key_per_caller")
        ]

    def __str__(self):
        return f"{self.caller}: {self.key}"
