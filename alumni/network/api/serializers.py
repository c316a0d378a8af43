"""Serializers of the alumni-side network API (organizations are not personal data: by id)."""

from __future__ import annotations

from rest_framework import serializers


class OrganizationSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    type = serializers.CharField()
    type_label = serializers.CharField(source="get_type_display")
    name = serializers.CharField()
    city = serializers.CharField()
    review_mode = serializers.CharField()
    member_count = serializers.IntegerField()


class LeaderSerializer(serializers.Serializer):
    name = serializers.CharField(source="person.name")
    role = serializers.CharField()
    role_label = serializers.CharField(source="get_role_display")


class OrganizationDetailSerializer(OrganizationSerializer):
    introduction = serializers.CharField()
    join_requirements = serializers.CharField()
    join_form = serializers.JSONField()
    phone = serializers.CharField()
    address = serializers.CharField()
    leaders = LeaderSerializer(many=True)
    my_status = serializers.ChoiceField(choices=["none", "pending", "member"])


class ApplySerializer(serializers.Serializer):
    answers = serializers.DictField(child=serializers.CharField(allow_blank=True), required=False)


class ApplyResultSerializer(serializers.Serializer):
    status = serializers.ChoiceField(choices=["pending", "approved"])
    detail = serializers.CharField()


class MyOrganizationSerializer(serializers.Serializer):
    id = serializers.IntegerField(source="organization.id")
    name = serializers.CharField(source="organization.name")
    type = serializers.CharField(source="organization.type")
    role = serializers.CharField()
    role_label = serializers.CharField()
    member_count = serializers.IntegerField()
    joined_at = serializers.DateTimeField()
