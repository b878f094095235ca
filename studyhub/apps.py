from django.apps import AppConfig


class StudyhubConfig(AppConfig):
    name = "studyhub"
    verbose_name = "StudyHub"
