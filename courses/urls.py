from django.urls import path

from courses import views

app_name = "courses"
urlpatterns = [
    path("<slug:course>/", views.course, name="course"),
    path("<slug:course>/glossary/", views.glossary, name="glossary"),
    path("<slug:course>/faq/", views.faq, name="faq"),
    path("<slug:course>/search/", views.search, name="search"),
    path("<slug:course>/<slug:topic>/", views.topic, name="topic"),
    path("<slug:course>/<slug:topic>/revision/", views.revision, name="revision"),
    path("<slug:course>/<slug:topic>/<slug:lesson>/", views.lesson, name="lesson"),
]
