"""What the end-to-end test's services share: the status of one GET, and
serving exactly one request on a free loopback port, printed first so the
test knows where to send it (the process then exits and its recorder
flushes)."""

import http.server
import urllib.error
import urllib.request


def get_status(url: str) -> int:
    """The status of a GET, error statuses included."""
    try:
        with urllib.request.urlopen(url) as response:
            return response.status
    except urllib.error.HTTPError as error:
        return error.code


class QuietHandler(http.server.BaseHTTPRequestHandler):
    """A handler that does not log each request to stderr."""

    def log_message(self, *args: object) -> None:
        pass


def serve_one(handler: type) -> None:
    server = http.server.HTTPServer(("127.0.0.1", 0), handler)
    print(server.server_address[1], flush=True)
    server.handle_request()
    server.server_close()
