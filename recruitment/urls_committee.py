"""URLs of the development pipeline (urls_committee)."""

urlpatterns: list = []
