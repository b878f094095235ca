from django.urls import path

from quizzes import views

app_name = "quizzes"
urlpatterns = [
    path("quizzes/<slug:course>/<slug:slug>/", views.quiz, name="quiz"),
    path("quizzes/<slug:course>/<slug:slug>/start", views.start, name="start"),
    path("attempts/", views.history, name="history"),
    path("progress/", views.dashboard, name="dashboard"),
    path("progress/exam-day/", views.exam_day, name="exam_day"),
    path("progress/my-data/", views.my_data, name="my_data"),
    path("progress/my-data.<str:fmt>", views.export_data, name="export_data"),
    path("progress/<slug:course>/review", views.review_session, name="review_session"),
    path(
        "progress/<slug:course>/<slug:topic>/mistakes",
        views.mistakes_session,
        name="mistakes_session",
    ),
    path("attempts/<int:pk>/q/<int:number>/", views.take, name="slot"),
    path("attempts/<int:pk>/q/<int:number>/answer", views.answer, name="answer"),
    path("attempts/<int:pk>/q/<int:number>/flag", views.flag, name="flag"),
    path("attempts/<int:pk>/summary/", views.summary, name="summary"),
    path("attempts/<int:pk>/submit", views.submit, name="submit"),
    path("attempts/<int:pk>/review/", views.review, name="review"),
]
