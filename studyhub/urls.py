from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

from courses import views as course_views
from studyhub import views
from studyhub.forms import ThrottledAdminAuthenticationForm, ThrottledAuthenticationForm

admin.site.login_form = ThrottledAdminAuthenticationForm

urlpatterns = [
    path("healthz", views.healthz, name="healthz"),
    path("favicon.ico", views.favicon),
    path("accounts/signup/", views.signup, name="signup"),
    path("accounts/name/", views.display_name, name="display_name"),
    path(
        "accounts/login/",
        auth_views.LoginView.as_view(authentication_form=ThrottledAuthenticationForm),
        name="login",
    ),
    path("accounts/password_reset/", views.PasswordResetView.as_view(), name="password_reset"),
    path("accounts/", include("django.contrib.auth.urls")),
    path("admin/", admin.site.urls),
    path("bench/", include("studyhub.bench")),  # empty unless STUDYHUB_BENCH=1
    path("courses/", include("courses.urls")),
    path("", include("quizzes.urls")),
    path("", course_views.home, name="home"),
]
