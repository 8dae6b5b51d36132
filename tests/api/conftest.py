from __future__ import annotations

import pytest
from rest_framework.test import APIClient

from tests.factories import PartnerFactory, partner_token


class Api:
    """An API client authenticated as one partner token, with short helpers."""

    def __init__(self, key: str, partner=None, token=None):
        self.client = APIClient()
        self.client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
        self.key = key
        self.partner = partner
        self.token = token

    def get(self, path, params=None, **headers):
        return self.client.get(_url(path), params or {}, **headers)

    def post(self, path, data=None, **headers):
        return self.client.post(_url(path), data, format="json", **headers)

    def put(self, path, data=None, **headers):
        return self.client.put(_url(path), data, format="json", **headers)

    def patch(self, path, data=None, **headers):
        return self.client.patch(_url(path), data, format="json", **headers)

    def delete(self, path, **headers):
        return self.client.delete(_url(path), **headers)


def _url(path: str) -> str:
    return path if path.startswith("/") else f"/api/v1/{path}"


@pytest.fixture
def make_api(db):
    def make(partner=None, scopes=("read", "write"), **kwargs) -> Api:
        partner = partner or PartnerFactory()
        token, key = partner_token(partner, scopes, **kwargs)
        return Api(key, partner, token)

    return make


@pytest.fixture
def api(make_api) -> Api:
    return make_api()


@pytest.fixture
def internal_api(db) -> APIClient:
    """A logged-in superuser (session authentication)."""
    from django.contrib.auth import get_user_model

    user = get_user_model().objects.create_superuser("root", "root@example.org", "pw-root-123")
    client = APIClient()
    client.force_authenticate(user)
    return client
