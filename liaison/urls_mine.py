from django.urls import path

from . import views

urlpatterns = [
    path("", views.mine, name="mine"),
    path("card/", views.card, name="card"),
    path("pairs/", views.pairs, name="pairs"),
    path("pairs/<int:pk>/", views.pair, name="pair"),
    path("pairs/<int:pk>/talk/", views.talk_new, name="talk_new"),
    path("pairs/<int:pk>/measures/", views.pair_measures, name="pair_measures"),
    path("pairs/<int:pk>/end/", views.pair_end, name="pair_end"),
    path("follow-ups/<int:pk>/close/", views.follow_up_close, name="follow_up_close"),
]
