"""The benchmark's reference pages, mounted only when STUDYHUB_BENCH=1 (never in production).

- `/bench/shell` is the yardstick: an authenticated page with nothing in it. It loads the
  session and the user and renders `base.html` through the full middleware stack, which is
  what every learner page pays before its own work. tests/bench/run.py reports each page's
  throughput as a share of this one's, measured in the same run.
- `/bench/baseline` runs one `SELECT 1` and skips the session, the user and the template: a
  canary for the framework's floor (its req/s is reported; nothing is divided by it).
"""

import os

from django.contrib.auth.decorators import login_required
from django.db import connection
from django.http import HttpResponse
from django.shortcuts import render
from django.urls import path
from django.views.decorators.http import require_GET


@require_GET
def baseline(request):
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
        (one,) = cursor.fetchone()
    return HttpResponse(f"ok {one}\n", content_type="text/plain")


@require_GET
@login_required
def shell(request):
    return render(request, "base.html")


urlpatterns = (
    [
        path("baseline", baseline, name="bench_baseline"),
        path("shell", shell, name="bench_shell"),
    ]
    if os.environ.get("STUDYHUB_BENCH") == "1"
    else []
)
