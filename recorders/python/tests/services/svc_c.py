"""Service C: serves one charge; updates the shared stock row, then fails
(records the error and answers 500)."""

import http.server

import causeway_recorder


class PaymentDeclined(Exception):
    pass


def charge_card(sku: str) -> None:
    causeway_recorder.shared_write("stock:sku-1", 8, old_value=9)
    raise PaymentDeclined(f"card declined for {sku}")


class Payments(http.server.BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        try:
            charge_card("sku-1")
            self.send_response(200)
        except PaymentDeclined as error:
            causeway_recorder.record_error(error)
            self.send_response(500)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, *args: object) -> None:
        pass


if __name__ == "__main__":
    server = http.server.HTTPServer(("127.0.0.1", 0), Payments)
    print(server.server_address[1], flush=True)
    server.handle_request()
    server.server_close()
