from quizzes.attempts import merge_learners
from quizzes.models import GUEST_SESSION_KEY, Learner


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
