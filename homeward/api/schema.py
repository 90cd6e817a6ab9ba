"""The OpenAPI schema: every operation documents the errors it may answer, in the one error shape."""

from __future__ import annotations

from typing import Any

from drf_spectacular.openapi import AutoSchema
from rest_framework import serializers


class ErrorDetailSerializer(serializers.Serializer):
    status = serializers.IntegerField()
    code = serializers.CharField()
    message = serializers.CharField()
    fields = serializers.DictField(child=serializers.ListField(child=serializers.CharField()))


class ErrorSerializer(serializers.Serializer):
    error = ErrorDetailSerializer()


# Every operation may answer these: bad parameters, no valid token, nothing there (or not for the caller),
# too many requests.
ERROR_CODES = ("400", "401", "404", "405", "429")


class Schema(AutoSchema):
    def _get_response_bodies(self, direction: Any = "response") -> dict[str, Any]:
        bodies = super()._get_response_bodies(direction)
        if direction == "response":
            for code in ERROR_CODES:
                bodies.setdefault(
                    code, self._get_response_for_code(ErrorSerializer, code, direction=direction)
                )
        return bodies
