from django.apps import AppConfig
from django.core.management import call_command
from django.db.models.signals import post_migrate


def create_cache_tables(using="default", **kwargs):
    """Every `migrate` (and the test database's creation) makes the database cache's table.

    After migrations rather than in one, so that a site that moves from REDIS_URL back to the
    database cache gets its table on the next migrate. createcachetable skips existing tables.
    """
    call_command("createcachetable", database=using, verbosity=0)


class StudyhubConfig(AppConfig):
    name = "studyhub"
    verbose_name = "StudyHub"

    def ready(self):
        post_migrate.connect(create_cache_tables, sender=self)
