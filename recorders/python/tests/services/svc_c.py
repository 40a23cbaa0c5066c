"""Service C: serves one charge; updates the shared stock row, then fails
(records the error and answers 500)."""

import causeway_recorder
from serving import QuietHandler, serve_one


class PaymentDeclined(Exception):
    pass


def charge_card(sku: str) -> None:
    causeway_recorder.shared_write("stock:sku-1", 8, old_value=9)
    raise PaymentDeclined(f"card declined for {sku}")


class Payments(QuietHandler):
    def do_GET(self) -> None:
        try:
            charge_card("sku-1")
            self.send_response(200)
        except PaymentDeclined as error:
            causeway_recorder.record_error(error)
            self.send_response(500)
        self.send_header("Content-Length", "0")
        self.end_headers()


if __name__ == "__main__":
    serve_one(Payments)
