import unicodedata

from django import forms
from django.contrib.admin.forms import AdminAuthenticationForm
from django.contrib.auth import get_user_model
from django.contrib.auth.forms import AuthenticationForm, PasswordResetForm, UserCreationForm
from django.core.exceptions import ValidationError

from studyhub import ratelimit
from studyhub.ratelimit import address_key, client_ip


class ThrottledLoginMixin:
    """Sign-in that cools off after repeated failures; for the site's and the admin's form.

    Failures count per (username, client address), so an attacker guessing a learner's
    password locks only that pair: the learner, on their own address, can still sign in.
    A looser count per address stops one client trying many usernames. Each lock lifts a
    full cool-off after the last failure that counted.
    """

    def _throttle_keys(self) -> list[tuple[ratelimit.Limit, str]]:
        username = unicodedata.normalize("NFKC", self.data.get("username") or "")
        ip = client_ip(self.request) if self.request else ""
        return [
            (ratelimit.limit("login"), f"{username.strip().casefold()}|{ip}"),
            (ratelimit.limit("login-address"), address_key(ip)),
        ]

    def clean(self):
        keys = self._throttle_keys()
        for limit, ident in keys:
            if limit.exceeded(ident):
                raise ValidationError(
                    f"Too many failed sign-ins. Please wait {limit.wait_message(ident)} "
                    "and try again, or reset your password.",
                    code="throttled",
                )
        try:
            return super().clean()
        except ValidationError:
            for limit, ident in keys:
                limit.hit(ident)
            raise


class ThrottledAuthenticationForm(ThrottledLoginMixin, AuthenticationForm):
    pass


class ThrottledAdminAuthenticationForm(ThrottledLoginMixin, AdminAuthenticationForm):
    pass


class ThrottledPasswordResetForm(PasswordResetForm):
    """Reset mails are limited per client address and per e-mail address.

    The per-mailbox count cannot lock anyone out: its owner already has the mails sent.
    The message is the same whether or not an account uses the address.
    """

    def __init__(self, *args, request=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.request = request

    def clean(self):
        cleaned = super().clean()
        email = cleaned.get("email")
        if not email:
            return cleaned
        limit = ratelimit.limit("password-reset")
        ip = client_ip(self.request) if self.request else ""
        idents = [f"address|{address_key(ip)}", f"email|{email.strip().casefold()}"]
        for ident in idents:
            if limit.exceeded(ident):
                raise ValidationError(
                    f"Too many password-reset requests. Please wait {limit.wait_message(ident)} "
                    "and try again; a link in a mail we already sent still works.",
                    code="throttled",
                )
        for ident in idents:
            limit.hit(ident)
        return cleaned


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

    def clean_email(self):
        email = self.cleaned_data.get("email", "")
        if email and get_user_model().objects.filter(email__iexact=email).exists():
            raise ValidationError(
                "An account already uses this e-mail address. Sign in, or reset its "
                "password if you have forgotten it.",
                code="email_taken",
            )
        return email


class DisplayNameForm(forms.ModelForm):
    class Meta:
        model = get_user_model()
        fields = ("first_name",)
        labels = DISPLAY_NAME["labels"]
        help_texts = DISPLAY_NAME["help_texts"]
