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
