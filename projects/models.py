from django.db import models


class ActivityType(models.Model):
    """A kind of work time is logged against (Design, Development, Meetings, ...).

    Ids are handed out from the account's `nextactivitytypeid` counter rather than
    the database sequence, because the Depot API lets clients set `nextid`.
    """

    id = models.PositiveIntegerField(primary_key=True)
    name = models.CharField(max_length=100)

    class Meta:
        ordering = ["id"]

    def __str__(self):
        return self.name
