"""The benchmark's baseline page, mounted only when STUDYHUB_BENCH=1 (never in production).

`/bench/baseline` runs one query and returns a few bytes through the full middleware stack,
so it measures what Django, gunicorn and the database cost before any application logic.
tests/bench/run.py divides each page's throughput by this one's.
"""

import os

from django.db import connection
from django.http import HttpResponse
from django.urls import path
from django.views.decorators.http import require_GET


@require_GET
def baseline(request):
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
        (one,) = cursor.fetchone()
    return HttpResponse(f"ok {one}\n", content_type="text/plain")


urlpatterns = (
    [path("baseline", baseline, name="bench_baseline")]
    if os.environ.get("STUDYHUB_BENCH") == "1"
    else []
)
