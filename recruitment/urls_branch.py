"""URLs of the development pipeline (urls_branch)."""

urlpatterns: list = []
