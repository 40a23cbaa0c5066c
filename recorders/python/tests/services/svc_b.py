"""Service B: serves one order; charges it through service C from a worker
thread while it updates the shared stock row itself, unsynchronized with
C's own update of that row (the race the end-to-end test expects)."""

import sys
import threading

import causeway_recorder
from serving import QuietHandler, get_status, serve_one

C_PORT = int(sys.argv[1])


def charge(result: list) -> None:
    result.append(get_status(f"http://127.0.0.1:{C_PORT}/charge?sku=sku-1"))


class Orders(QuietHandler):
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


if __name__ == "__main__":
    serve_one(Orders)  # one order, then exit (and flush the recording)
