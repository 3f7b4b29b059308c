import factory
from django.contrib.auth.models import Group

from apps.accounts.models import User


class UserFactory(factory.django.DjangoModelFactory[User]):
    class Meta:
        model = User
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    display_name = factory.Sequence(lambda n: f"用户{n}")
    phone = factory.Sequence(lambda n: f"139{n:08d}")
    email = factory.LazyAttribute(lambda u: f"{u.username}@example.com")
    password = factory.django.Password("pass-word-123")


def staff_user(*roles: str, **kwargs: object) -> User:
    """A back-office user (is_staff) in the given role groups, e.g. staff_user("operations")."""
    user: User = UserFactory(is_staff=True, **kwargs)
    user.groups.add(*(Group.objects.get(name=role) for role in roles))
    return user
