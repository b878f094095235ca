from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.db import DatabaseError, connection
from django.http import JsonResponse
from django.shortcuts import redirect, render
from django.templatetags.static import static
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_safe

from studyhub import ratelimit
from studyhub.forms import DisplayNameForm, SignupForm, ThrottledPasswordResetForm
from studyhub.ratelimit import address_key, client_ip


@require_safe
@never_cache
def healthz(request):
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
    except DatabaseError:
        return JsonResponse({"status": "unavailable", "database": False}, status=503)
    return JsonResponse({"status": "ok", "database": True})


@require_safe
def favicon(request):
    return redirect(static("studyhub/icon.svg"), permanent=True)


@require_http_methods(["GET", "HEAD", "POST"])
def signup(request):
    next_url = request.POST.get("next") or request.GET.get("next") or ""
    if not url_has_allowed_host_and_scheme(next_url, {request.get_host()}, request.is_secure()):
        next_url = ""
    form = SignupForm(request.POST or None)
    limit, ident = ratelimit.limit("signup"), address_key(client_ip(request))
    if request.method == "POST" and limit.exceeded(ident):
        form.add_error(
            None,
            "Too many accounts were created from your network just now. "
            f"Please wait {limit.wait_message(ident)} and try again.",
        )
        return render(
            request, "registration/signup.html", {"form": form, "next": next_url}, status=429
        )
    if request.method == "POST" and form.is_valid():
        user = form.save()
        limit.hit(ident)
        login(request, user, backend="django.contrib.auth.backends.ModelBackend")
        name = user.get_full_name() or user.username
        messages.success(request, f"Welcome, {name}! Your account is ready.")
        return redirect(next_url or "home")
    return render(request, "registration/signup.html", {"form": form, "next": next_url})


@login_required
@require_http_methods(["GET", "POST"])
def display_name(request):
    form = DisplayNameForm(request.POST or None, instance=request.user)
    if request.method == "POST" and form.is_valid():
        form.save()
        messages.success(request, "Your display name is saved.")
        return redirect("display_name")
    return render(request, "registration/display_name.html", {"form": form})


class PasswordResetView(auth_views.PasswordResetView):
    form_class = ThrottledPasswordResetForm

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "request": self.request}
