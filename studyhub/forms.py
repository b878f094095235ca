from django import forms
from django.contrib.auth import get_user_model
from django.contrib.auth.forms import AuthenticationForm, UserCreationForm
from django.core.exceptions import ValidationError

from studyhub import ratelimit
from studyhub.ratelimit import client_ip


class ThrottledAuthenticationForm(AuthenticationForm):
    """Login form that cools off after repeated failures for one username from one IP.

    Keying on the pair means an attacker hammering a classmate's username locks only
    themselves out: the classmate, on their own IP, can still sign in, and every lock
    lifts by itself when the window ends.
    """

    def _ident(self) -> str:
        username = (self.data.get("username") or "").strip().lower()
        return f"{username}|{client_ip(self.request)}" if self.request else username

    def clean(self):
        limit = ratelimit.limit("login")
        ident = self._ident()
        if limit.exceeded(ident):
            minutes = -(-limit.retry_after() // 60)
            raise ValidationError(
                f"Too many failed sign-ins. Please wait {minutes} minute"
                f"{'s' if minutes != 1 else ''} and try again, or reset your password.",
                code="throttled",
            )
        try:
            return super().clean()
        except ValidationError:
            limit.hit(ident)
            raise


# The display name is Django's own User.first_name, so the admin shows it and
# get_full_name() returns it, with no profile table to keep in step.
DISPLAY_NAME = {
    "labels": {"first_name": "Display name (optional)"},
    "help_texts": {
        "first_name": "The name your instructors see in reports, e.g. “Priya Shah”. "
        "Leave it empty to be shown by your username."
    },
}


class SignupForm(UserCreationForm):
    class Meta(UserCreationForm.Meta):
        fields = ("username", "first_name", "email")
        labels = DISPLAY_NAME["labels"]
        help_texts = DISPLAY_NAME["help_texts"]


class DisplayNameForm(forms.ModelForm):
    class Meta:
        model = get_user_model()
        fields = ("first_name",)
        labels = DISPLAY_NAME["labels"]
        help_texts = DISPLAY_NAME["help_texts"]
