from django.apps import AppConfig


class QuizzesConfig(AppConfig):
    name = "quizzes"
    verbose_name = "Quizzes and progress"

    def ready(self):
        from django.contrib.auth.signals import user_logged_in

        from courses import fragments
        from quizzes.models import Question, Quiz, QuizQuestion
        from quizzes.signals import adopt_guest_work

        # The course outline counts questions and lists quizzes; a lesson lists its quizzes.
        fragments.connect(Question, Quiz, QuizQuestion)

        user_logged_in.connect(adopt_guest_work, dispatch_uid="quizzes.adopt_guest_work")
