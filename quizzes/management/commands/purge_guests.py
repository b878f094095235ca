from datetime import timedelta

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.db.models import Max, Q
from django.utils import timezone

from quizzes.models import Learner

BATCH = 500


def idle_guests(cutoff):
    """Guests (learners without an account) with no activity since `cutoff`: created before
    it, and no attempt started nor answer given or changed after it."""
    return (
        Learner.objects.filter(user__isnull=True, created__lt=cutoff)
        .annotate(last_start=Max("attempts__started"), last_answer=Max("responses__updated"))
        .filter(Q(last_start__isnull=True) | Q(last_start__lt=cutoff))
        .filter(Q(last_answer__isnull=True) | Q(last_answer__lt=cutoff))
    )


class Command(BaseCommand):
    help = (
        "Delete guests (learners without an account) idle for DAYS days, with their attempts, "
        "answers and review cards. Signed-in learners are never touched."
    )

    def add_arguments(self, parser):
        parser.add_argument("--older-than", type=int, required=True, metavar="DAYS")
        parser.add_argument("--dry-run", action="store_true", help="Count, delete nothing.")

    def handle(self, older_than, dry_run, **options):
        if older_than < 1:
            raise CommandError("--older-than must be at least 1 day.")
        cutoff = timezone.now() - timedelta(days=older_than)
        if dry_run:
            count = idle_guests(cutoff).count()
            self.stdout.write(f"Would delete {count} guests idle since {cutoff:%Y-%m-%d %H:%M}.")
            return
        deleted = 0
        # Short transactions, a batch at a time, so learners' writes never wait long (SQLite
        # holds one write lock) and a big first purge cannot exhaust memory.
        while ids := list(idle_guests(cutoff).values_list("pk", flat=True)[:BATCH]):
            with transaction.atomic():  # checked again inside: one may have come back
                still_idle = idle_guests(cutoff).filter(pk__in=ids).values("pk")
                Learner.objects.filter(pk__in=still_idle).delete()
            deleted += len(ids)
        self.stdout.write(f"Deleted {deleted} guests idle since {cutoff:%Y-%m-%d %H:%M}.")
