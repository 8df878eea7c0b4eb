from django.urls import path

from . import compliance_views as views

app_name = "compliance"

urlpatterns = [
    path("", views.overview, name="overview"),
    path("branch/<int:pk>/", views.calendar, name="calendar"),
    path("branch/<int:pk>/card/", views.card, name="card"),
]
