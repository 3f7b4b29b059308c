"""Blocked words (防骚扰 / 敏感词): checked wherever members or leaders write text.

Platform-wide words always apply; a community's own words apply while its 防骚扰 is on. A blocked
text is refused with `TextBlocked` (code "blocked"), and the hit is counted for the leader.
"""

import re

from django.db import DEFAULT_DB_ALIAS, IntegrityError, connections, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from apps.accounts.models import User
from apps.communities.access import membership_require
from apps.communities.models import Community, ModerationHit, ModerationWord
from apps.communities.selectors import MANAGING_ROLES
from apps.core.errors import Conflict, InvalidInput

Where = ModerationHit.Where
MAX_WORD_LENGTH = 32
# Spaces and common separators do not hide a word: "微 信" still matches "微信".
_SEPARATORS = re.compile(r"[\s\-_.·*|/\\,，。、]+")


class TextBlocked(InvalidInput):
    default_code = "blocked"


def _normalise(text: str) -> str:
    return _SEPARATORS.sub("", text.casefold())


def text_check(
    *,
    text: str,
    community: Community,
    where: str,
    user: User | None = None,
    field: str | None = None,
) -> None:
    """Refuse `text` if it contains a blocked word that applies in `community`."""
    if not text.strip():
        return
    rules = Q(community__isnull=True)
    if community.anti_harassment:
        rules |= Q(community=community)
    words = ModerationWord.objects.filter(rules).values_list("word", "community_id")
    plain, joined = text.casefold(), _normalise(text)
    for word, community_id in words:
        needle = word.casefold()
        if needle in plain or _normalise(word) in joined:
            platform = community_id is None
            _hit_record(community=community, user=user, word=word, platform=platform, where=where)
            scope = _("平台规则") if platform else _("本群防骚扰规则")
            raise TextBlocked(
                _("%(where)s含有敏感词“%(word)s”，已被拦截（%(scope)s），请修改后再提交")
                % {"where": Where(where).label, "word": word, "scope": scope},
                field=field,
            )


def _hit_record(
    *, community: Community, user: User | None, word: str, platform: bool, where: str
) -> None:
    """Count the hit on a connection of its own: the refused write rolls back its transaction,
    and the count must survive it."""
    connection = connections.create_connection(DEFAULT_DB_ALIAS)
    try:
        with connection.cursor() as cursor:
            cursor.execute(
                f"INSERT INTO {ModerationHit._meta.db_table} "  # noqa: S608 - the model's table
                '(community_id, user_id, word, platform, "where", created_at) '
                "VALUES (%s, %s, %s, %s, %s, %s)",
                [community.pk, user.pk if user else None, word, platform, where, timezone.now()],
            )
    finally:
        connection.close()


@transaction.atomic
def moderation_word_add(*, community: Community, actor: User, word: str) -> ModerationWord:
    membership_require(community=community, user=actor, roles=MANAGING_ROLES)
    word = word.strip()
    if not word:
        raise InvalidInput(_("请填写敏感词"), field="word")
    if len(word) > MAX_WORD_LENGTH:
        raise InvalidInput(_("敏感词最多 %(max)s 个字") % {"max": MAX_WORD_LENGTH}, field="word")
    try:
        with transaction.atomic():
            return ModerationWord.objects.create(community=community, word=word, created_by=actor)
    except IntegrityError as exc:
        raise Conflict(_("“%(word)s”已在本群敏感词中") % {"word": word}, field="word") from exc


@transaction.atomic
def moderation_word_remove(*, word: ModerationWord, actor: User) -> None:
    if word.community is None:
        raise InvalidInput(_("平台敏感词由运营在后台管理"))
    membership_require(community=word.community, user=actor, roles=MANAGING_ROLES)
    word.delete()
