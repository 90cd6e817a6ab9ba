from __future__ import annotations

from typing import Any

from drf_spectacular.extensions import OpenApiAuthenticationExtension
from rest_framework import authentication, exceptions

from homeward.api.services import token_user


class TokenAuthentication(authentication.BaseAuthentication):
    """``Authorization: Token hw_…``: a personal token made on the API tokens page."""

    keyword = "Token"

    def authenticate(self, request: Any) -> tuple[Any, Any] | None:
        header = authentication.get_authorization_header(request).decode("latin-1")
        scheme, _sep, raw = header.partition(" ")
        if scheme != self.keyword:
            return None
        found = token_user(raw.strip())
        if found is None:
            raise exceptions.AuthenticationFailed()
        return found

    def authenticate_header(self, request: Any) -> str:
        return self.keyword


class TokenScheme(OpenApiAuthenticationExtension):
    """How the OpenAPI schema describes the token."""

    target_class = "homeward.api.authentication.TokenAuthentication"
    name = "token"

    def get_security_definition(self, auto_schema: Any) -> dict[str, str]:
        return {
            "type": "apiKey",
            "in": "header",
            "name": "Authorization",
            "description": "Token hw_… (made on the API tokens page, /api/tokens/)",
        }
