from django.db.models import Q

from .models import User


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
