"""The review desk: /<language>/review/... (queues, the blind-first workspace, supervisors' pages)."""

from django.urls import path

from .views import review, supervisor

app_name = "review"

urlpatterns = [
    path("", review.home, name="home"),
    path("mine/", review.mine, name="mine"),
    path("team/", review.team, name="team"),
    path("take-next/", review.take_next, name="take-next"),
    path("countersign/", supervisor.countersign_list, name="countersign-list"),
    path("appeals/<str:reference>/", review.workspace, name="workspace"),
    path("appeals/<str:reference>/conflict/", review.conflict, name="conflict"),
    path("appeals/<str:reference>/start/", review.start, name="start"),
    path("appeals/<str:reference>/hold/", review.hold, name="hold"),
    path("appeals/<str:reference>/resume/", review.resume, name="resume"),
    path("appeals/<str:reference>/inadmissible/", review.inadmissible, name="inadmissible"),
    path("appeals/<str:reference>/recuse/", review.recuse, name="recuse"),
    path("appeals/<str:reference>/assessment/", review.assess, name="assess"),
    path("appeals/<str:reference>/reveal/", review.reveal, name="reveal"),
    path("appeals/<str:reference>/decision/", review.decide, name="decide"),
    path("appeals/<str:reference>/countersign/", supervisor.countersign, name="countersign"),
    path("appeals/<str:reference>/assign/", supervisor.assign, name="assign"),
]
