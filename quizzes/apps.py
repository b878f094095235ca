from django.apps import AppConfig


class QuizzesConfig(AppConfig):
    name = "quizzes"
    verbose_name = "Quizzes and progress"

    def ready(self):
        from django.contrib.auth.signals import user_logged_in
        from django.db.models.signals import post_save, pre_save

        from courses import fragments
        from quizzes import signals
        from quizzes.models import Answer, Question, Quiz, QuizQuestion

        # The course outline counts questions and lists quizzes; a lesson lists its quizzes;
        # attempt starts keep each quiz's pool and each question's version (quizzes.versions).
        fragments.connect(Question, Answer, Quiz, QuizQuestion)

        user_logged_in.connect(signals.adopt_guest_work, dispatch_uid="quizzes.adopt_guest_work")
        # Kept progress counts a question's answers in its topic (see TopicProgress).
        pre_save.connect(signals.note_topic_move, sender=Question, dispatch_uid="quizzes.move")
        post_save.connect(
            signals.rebuild_progress_after_move, sender=Question, dispatch_uid="quizzes.moved"
        )
