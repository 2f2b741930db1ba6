from .models import User


def users_for_api(user_type: str | None = None):
    users = User.objects.all()
    if user_type:
        users = users.filter(type=user_type)
    return users
