import factory

from apps.communities.models import Community, Membership
from tests.accounts.factories import UserFactory


class CommunityFactory(factory.django.DjangoModelFactory[Community]):
    class Meta:
        model = Community
        skip_postgeneration_save = True

    name = factory.Sequence(lambda n: f"幸福小区{n}群")
    kind = Community.Kind.GROUP_BUY
    owner = factory.SubFactory(UserFactory)

    @factory.post_generation
    def owner_membership(self, create: bool, extracted: object, **kwargs: object) -> None:
        if create:
            Membership.objects.get_or_create(
                community=self, user=self.owner, defaults={"role": Membership.Role.OWNER}
            )


class MembershipFactory(factory.django.DjangoModelFactory[Membership]):
    class Meta:
        model = Membership

    community = factory.SubFactory(CommunityFactory)
    user = factory.SubFactory(UserFactory)
    role = Membership.Role.MEMBER


def member_of(community: Community, *, role: str = Membership.Role.MEMBER, **user_kwargs: object):  # type: ignore[no-untyped-def]
    """A new user who is an active member of `community` with `role`; returns the user."""
    extra = {f"user__{key}": value for key, value in user_kwargs.items()}
    return MembershipFactory(community=community, role=role, **extra).user
