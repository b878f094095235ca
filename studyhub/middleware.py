from django.db import DatabaseError, InterfaceError, OperationalError
from django.template.response import TemplateResponse


class DatabaseUnavailableMiddleware:
    """Answer 503 with a friendly page when the database cannot be reached.

    Only connection-level failures are caught: integrity or programming errors are bugs and
    must still surface as 500s. `DatabaseError` subclasses raised by a read-only or full disk
    also land here, so a learner sees "try again" rather than a stack trace.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        if (
            not isinstance(exception, OperationalError | InterfaceError)
            and type(exception) is not DatabaseError
        ):
            return None
        response = TemplateResponse(request, "503.html", status=503)
        response["Retry-After"] = "5"
        return response.render()
