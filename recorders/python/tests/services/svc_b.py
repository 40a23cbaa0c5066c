"""Service B: serves one order; charges it through service C from a worker
thread while it updates the shared stock row itself, unsynchronized with
C's own update of that row (the race the end-to-end test expects)."""

import http.server
import sys
import threading
import urllib.error
import urllib.request

import causeway_recorder

C_PORT = int(sys.argv[1])


def charge(result: list) -> None:
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{C_PORT}/charge?sku=sku-1") as response:
            result.append(response.status)
    except urllib.error.HTTPError as error:
        result.append(error.code)


class Orders(http.server.BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        result: list = []
        worker = threading.Thread(target=charge, args=(result,))
        worker.start()
        causeway_recorder.shared_write("stock:sku-1", 9, old_value=10)
        worker.join()
        status = 502 if result[0] >= 500 else 200
        self.send_response(status)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, *args: object) -> None:
        pass


if __name__ == "__main__":
    server = http.server.HTTPServer(("127.0.0.1", 0), Orders)
    print(server.server_address[1], flush=True)
    server.handle_request()  # one order, then exit (and flush the recording)
    server.server_close()
