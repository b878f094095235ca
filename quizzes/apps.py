from django.apps import AppConfig


class QuizzesConfig(AppConfig):
    name = "quizzes"
    verbose_name = "Quizzes and progress"

    def ready(self):
        from django.contrib.auth.signals import user_logged_in

        from quizzes.signals import adopt_guest_work

        user_logged_in.connect(adopt_guest_work, dispatch_uid="quizzes.adopt_guest_work")
