"""URLs of the liaison work (api_urls), under /api/v1/liaison/."""

from django.urls import path

from . import api

urlpatterns: list = [
    path("liaison/mine/", api.MineApi.as_view(), name="api-liaison-mine"),
    path("liaison/pool/", api.PoolListCreateApi.as_view(), name="api-liaison-pool"),
    path("liaison/pool/<int:pk>/", api.ProfileDetailApi.as_view(), name="api-liaison-profile"),
    path("liaison/pool/<int:pk>/remove/", api.ProfileRemoveApi.as_view(), name="api-liaison-profile-remove"),
    path("liaison/pairs/", api.PairListCreateApi.as_view(), name="api-liaison-pairs"),
    path("liaison/pairs/<int:pk>/", api.PairDetailApi.as_view(), name="api-liaison-pair"),
    path("liaison/pairs/<int:pk>/end/", api.PairEndApi.as_view(), name="api-liaison-pair-end"),
    path("liaison/pairs/<int:pk>/talks/", api.TalkListCreateApi.as_view(), name="api-liaison-pair-talks"),
    path("liaison/follow-ups/<int:pk>/close/", api.FollowUpCloseApi.as_view(), name="api-liaison-follow-up-close"),
    path("liaison/coverage/", api.CoverageApi.as_view(), name="api-liaison-coverage"),
    path("liaison/reviews/", api.ReviewListCreateApi.as_view(), name="api-liaison-reviews"),
    path("liaison/funnel/", api.FunnelApi.as_view(), name="api-liaison-funnel"),
]
