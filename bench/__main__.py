"""`make bench`: run the benchmarks and print their figures as JSON."""

import json

from bench import orders

if __name__ == "__main__":
    print(json.dumps({"orders": orders.main()}, indent=2, ensure_ascii=False))
