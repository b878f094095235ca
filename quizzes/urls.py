from django.urls import path

from quizzes import views

app_name = "quizzes"
urlpatterns = [
    path("quizzes/<slug:course>/<slug:slug>/", views.quiz, name="quiz"),
    path("quizzes/<slug:course>/<slug:slug>/start", views.start, name="start"),
    path("attempts/", views.history, name="history"),
    path("attempts/<int:pk>/q/<int:number>/", views.take, name="slot"),
    path("attempts/<int:pk>/q/<int:number>/answer", views.answer, name="answer"),
    path("attempts/<int:pk>/q/<int:number>/flag", views.flag, name="flag"),
    path("attempts/<int:pk>/summary/", views.summary, name="summary"),
    path("attempts/<int:pk>/submit", views.submit, name="submit"),
    path("attempts/<int:pk>/review/", views.review, name="review"),
]
