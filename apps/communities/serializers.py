"""A group's announcements as JSON: the members' API (apps/communities/api.py) and the group-bot
API (apps/webhooks/api.py) read and post them alike."""

from typing import Any

from rest_framework import serializers

from apps.communities import content
from apps.communities.models import Announcement


class AnnouncementInputSerializer(serializers.Serializer[Any]):
    body = serializers.CharField(max_length=content.MAX_ANNOUNCEMENT)


class AnnouncementOutputSerializer(serializers.ModelSerializer[Announcement]):
    class Meta:
        model = Announcement
        fields = ["id", "body", "author", "created_at"]
        read_only_fields = fields
