from urllib.parse import unquote

from django.conf import settings
from django.db import DatabaseError, InterfaceError, OperationalError
from django.http import HttpResponse
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


class RequestShapeMiddleware:
    """Turn away requests no view can serve sensibly, and answer OPTIONS.

    - A NUL character in the path or the query string is refused with a 400 before any view
      runs: PostgreSQL cannot store or compare it, so a lookup would fail with a 500.
    - OPTIONS asks which methods a URL allows. Views declare theirs with
      require_http_methods (which answers other methods 405 with an Allow header and never
      runs the view), so the 405 becomes a 200 with that Allow header plus OPTIONS.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if "\x00" in request.path or "\x00" in unquote(request.META.get("QUERY_STRING", "")):
            response = TemplateResponse(request, "400.html", status=400)
            return response.render()
        response = self.get_response(request)
        if request.method == "OPTIONS" and response.status_code == 405 and "Allow" in response:
            allowed = response["Allow"]
            response = HttpResponse(status=200)
            response["Allow"] = f"{allowed}, OPTIONS"
        return response
