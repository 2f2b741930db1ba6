from django.db.models import F, Q

from .models import Notification, NotificationRecipient, PrivateTask, User


def users_for_api(user_type: str | None = None):
    users = User.objects.all()
    if user_type:
        users = users.filter(type=user_type)
    return users


def users_for_list(*, search: str = "", user_type: str = "", include_inactive: bool = False):
    """The users page: active people by default, filtered by type and a search that
    matches the start of the name or email."""
    users = User.objects.all()
    if not include_inactive:
        users = users.filter(is_active=True)
    if user_type in (User.Type.STANDARD, User.Type.COLLABORATOR):
        users = users.filter(type=user_type)
    search = search.strip()
    if search:
        users = users.filter(
            Q(name__istartswith=search)
            | Q(name__icontains=f" {search}")
            | Q(email__istartswith=search)
        )
    return users


def unread_notification_count(user) -> int:
    """The header's badge: one count on the (user, read, deleted) index."""
    return NotificationRecipient.objects.filter(
        user=user, read__isnull=True, deleted__isnull=True
    ).count()


def notifications_for_page(user):
    """A person's notifications they haven't deleted, unread first, newest first,
    each with `read_at` (their copy's read time)."""
    return (
        Notification.objects.filter(recipients__user=user, recipients__deleted__isnull=True)
        .annotate(read_at=F("recipients__read"))
        .order_by(F("recipients__read").asc(nulls_first=True), "-date", "-id")
    )


def private_tasks_on(user, day):
    return PrivateTask.objects.filter(user=user, date=day).order_by("done", "id")


def user_by_email(email: str) -> User | None:
    """The user with this email, matched as sign-in matches it (stored lower-cased)."""
    return User.objects.filter(email=email.strip().lower()).first()
