from django.urls import path

from quizzes.views import classes, dashboard, taking

app_name = "quizzes"
urlpatterns = [
    path("quizzes/<slug:course>/<slug:slug>/", taking.quiz, name="quiz"),
    path("quizzes/<slug:course>/<slug:slug>/start", taking.start, name="start"),
    path("attempts/", taking.history, name="history"),
    path("classes/", classes.classes, name="classes"),
    path("classes/join/", classes.join_by_code, name="join_by_code"),
    path("classes/join/<str:code>/", classes.join_class, name="join"),
    path("classes/<int:pk>/leave", classes.leave_class, name="leave"),
    path("progress/", dashboard.dashboard, name="dashboard"),
    path("progress/exam-day/", dashboard.exam_day, name="exam_day"),
    path("progress/my-data/", dashboard.my_data, name="my_data"),
    path("progress/my-data.<str:fmt>", dashboard.export_data, name="export_data"),
    path("progress/<slug:course>/review", dashboard.review_session, name="review_session"),
    path(
        "progress/<slug:course>/<slug:topic>/mistakes",
        dashboard.mistakes_session,
        name="mistakes_session",
    ),
    path("attempts/<int:pk>/q/<int:number>/", taking.take, name="slot"),
    path("attempts/<int:pk>/q/<int:number>/answer", taking.answer, name="answer"),
    path("attempts/<int:pk>/q/<int:number>/flag", taking.flag, name="flag"),
    path("attempts/<int:pk>/q/<int:number>/mark", taking.mark, name="mark"),
    path("attempts/<int:pk>/summary/", taking.summary, name="summary"),
    path("attempts/<int:pk>/submit", taking.submit, name="submit"),
    path("attempts/<int:pk>/review/", taking.review, name="review"),
]
