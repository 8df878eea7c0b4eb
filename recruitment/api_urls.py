"""URLs of the development pipeline (api_urls)."""

urlpatterns: list = []
