from django.conf import settings
from django.db import DatabaseError, InterfaceError, OperationalError
from django.template.response import TemplateResponse


class DatabaseUnavailableMiddleware:
    """Answer 503 with a friendly page when the database cannot be reached.

    Only connection-level failures are caught: integrity or programming errors are bugs and
    must still surface as 500s. `DatabaseError` itself (a read-only or full disk) also lands
    here, so a learner sees "try again" rather than a stack trace. In development the real
    error is shown instead, since it is usually a missing migration.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        if settings.DEBUG:
            return None
        unavailable = isinstance(exception, OperationalError | InterfaceError)
        if not unavailable and type(exception) is not DatabaseError:
            return None
        response = TemplateResponse(request, "503.html", status=503)
        response["Retry-After"] = "5"
        return response.render()
