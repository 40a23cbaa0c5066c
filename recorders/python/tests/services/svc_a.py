"""Service A: a client that places one order with service B."""

import sys
import urllib.error
import urllib.request


def place_order(b_port: int) -> int:
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{b_port}/order?sku=sku-1") as response:
            return response.status
    except urllib.error.HTTPError as error:
        return error.code


if __name__ == "__main__":
    print("A got", place_order(int(sys.argv[1])), flush=True)
