"""The client names what the API serves: every resource of ``api/urls.py``, the writable ones,
and every record type the change feed publishes with its resource."""

from __future__ import annotations

from api.urls import router
from api.views import MAX_BATCH as API_MAX_BATCH
from api.views import ResourceViewSet
from feed.sources import sources
from tracker_client import FEED_TYPES, MAX_BATCH, RESOURCES, WRITABLE_RESOURCES


def test_the_client_names_every_resource_and_feed_type_the_api_has():
    registry = {prefix: viewset for prefix, viewset, _ in router.registry}
    assert set(RESOURCES) == set(registry)
    assert set(WRITABLE_RESOURCES) == {
        prefix for prefix, viewset in registry.items() if issubclass(viewset, ResourceViewSet)
    }
    assert set(FEED_TYPES) == {source.type for source in sources()}
    assert set(FEED_TYPES.values()) <= set(RESOURCES)
    assert MAX_BATCH == API_MAX_BATCH
