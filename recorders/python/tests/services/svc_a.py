"""Service A: a client that places one order with service B."""

import sys

from serving import get_status

if __name__ == "__main__":
    print("A got", get_status(f"http://127.0.0.1:{int(sys.argv[1])}/order?sku=sku-1"), flush=True)
