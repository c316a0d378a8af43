"""Serializers for the notices API (我的消息 in the mini-program)."""

from __future__ import annotations

from rest_framework import serializers

from alumni.messaging.models import Notice


class NoticeSerializer(serializers.ModelSerializer):
    is_read = serializers.SerializerMethodField()

    class Meta:
        model = Notice
        fields = ["id", "title", "body", "url", "purpose", "created_at", "read_at", "is_read"]
        read_only_fields = fields

    def get_is_read(self, notice: Notice) -> bool:
        return notice.read_at is not None


class UnreadCountSerializer(serializers.Serializer):
    unread = serializers.IntegerField(help_text="未读消息数")


class ReadAllSerializer(serializers.Serializer):
    marked = serializers.IntegerField(help_text="本次标为已读的条数")
    unread = serializers.IntegerField(help_text="剩余未读（应为 0）")
