from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.views import redirect_to_login
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from quizzes.models import (
    Cohort,
    Membership,
)


@require_http_methods(["GET", "HEAD", "POST"])
def join_class(request, code):
    cohort = get_object_or_404(Cohort.objects.select_related("course", "owner"), code=code.upper())
    if not request.user.is_authenticated:
        messages.info(request, f"Log in or sign up to join “{cohort.name}”.")
        return redirect_to_login(request.get_full_path())
    member = Membership.objects.filter(cohort=cohort, user=request.user).exists()
    if not (member or cohort.joining_open):
        return render(request, "quizzes/join.html", {"cohort": cohort, "closed": True}, status=403)
    if request.method == "POST":
        if not member:
            Membership.objects.get_or_create(cohort=cohort, user=request.user)
            messages.success(request, f"You have joined “{cohort.name}”.")
        return redirect("quizzes:classes")
    return render(request, "quizzes/join.html", {"cohort": cohort, "member": member})


@login_required
@require_POST
def leave_class(request, pk):
    membership = get_object_or_404(Membership, cohort_id=pk, user=request.user)
    name = membership.cohort.name
    membership.delete()
    messages.success(request, f"You have left “{name}”. Your own progress is unchanged.")
    return redirect("quizzes:classes")


@login_required
@require_safe
def classes(request):
    memberships = Membership.objects.filter(user=request.user).select_related(
        "cohort__course", "cohort__owner"
    )
    return render(request, "quizzes/classes.html", {"memberships": memberships})


@require_safe
def join_by_code(request):
    code = "".join(ch for ch in request.GET.get("code", "").upper() if ch.isalnum())[:12]
    if not code or not Cohort.objects.filter(code=code).exists():
        messages.error(request, "No class has that code. Check it with your instructor.")
        return redirect("quizzes:classes")
    return redirect("quizzes:join", code)
