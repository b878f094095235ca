from quizzes import progress
from quizzes.attempts import merge_learners
from quizzes.models import GUEST_SESSION_KEY, Learner, Question, Response


def adopt_guest_work(sender, request, user, **kwargs):
    """On sign-up or log-in, move the session's guest attempts into the account."""
    if request is None or not hasattr(request, "session"):
        return
    guest_id = request.session.pop(GUEST_SESSION_KEY, None)
    if guest_id is None:
        return
    guest = Learner.objects.filter(pk=guest_id, user__isnull=True).first()
    if guest is not None:
        merge_learners(guest=guest, into=Learner.objects.get_or_create(user=user)[0])


def note_topic_move(sender, instance, raw=False, **kwargs):
    """Before a question is saved: remember whether it is moving to another topic."""
    if raw or instance.pk is None:
        return
    old = Question.objects.filter(pk=instance.pk).values_list("topic_id", flat=True).first()
    instance._moved_from_topic = old if old not in (None, instance.topic_id) else None


def rebuild_progress_after_move(sender, instance, raw=False, **kwargs):
    """A question's answers count in its topic: rebuild the progress of whoever answered it."""
    if raw or getattr(instance, "_moved_from_topic", None) is None:
        return
    instance._moved_from_topic = None
    learners = Response.objects.filter(question=instance).values_list("learner_id", flat=True)
    progress.rebuild(set(learners))
