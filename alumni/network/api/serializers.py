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


class ActivitySerializer(serializers.Serializer):
    kind = serializers.CharField()
    text = serializers.CharField()
    organization_id = serializers.IntegerField()
    organization_name = serializers.CharField(source="organization.name")
    created_at = serializers.DateTimeField()


class OrganizationPageSerializer(OrganizationDetailSerializer):
    activities = ActivitySerializer(source="recent_activity", many=True)


class RecommendationSerializer(serializers.Serializer):
    id = serializers.IntegerField(source="organization.id")
    name = serializers.CharField(source="organization.name")
    type = serializers.CharField(source="organization.type")
    type_label = serializers.CharField(source="organization.get_type_display")
    city = serializers.CharField(source="organization.city")
    reason = serializers.CharField()
    member_count = serializers.IntegerField()


class ClubApplySerializer(serializers.Serializer):
    name = serializers.CharField(max_length=80)
    purpose = serializers.CharField(max_length=1000)
    introduction = serializers.CharField(max_length=2000, required=False, allow_blank=True, default="")
    parent_id = serializers.IntegerField(required=False, allow_null=True, default=None)
    city = serializers.CharField(max_length=40, required=False, allow_blank=True, default="")


class ClubApplicationSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    introduction = serializers.CharField()
    purpose = serializers.CharField()
    city = serializers.CharField()
    parent_id = serializers.IntegerField()
    parent_name = serializers.CharField(source="parent.name")
    status = serializers.CharField()
    status_label = serializers.CharField(source="get_status_display")
    reject_reason = serializers.CharField()
    created_club_id = serializers.IntegerField(allow_null=True)
    created_at = serializers.DateTimeField()
    decided_at = serializers.DateTimeField(allow_null=True)


class ClubApplicationReviewSerializer(ClubApplicationSerializer):
    applicant_name = serializers.CharField(source="applicant.name")


class RejectSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=200)
