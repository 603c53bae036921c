"""Run the acceptance tests a second time with RabbitMQ as the broker, where one answers.

Brokers swap by URL alone; this pass proves it. Without a reachable RabbitMQ it says why it
skips and exits 0 (CI has one).
"""

from __future__ import annotations

import os
import sys
from urllib.parse import urlsplit

import pytest

from xtbatch.cli.embedded import reachable

URL = os.environ.get("XTBATCH_TEST_RABBITMQ_URL", "amqp://guest:guest@127.0.0.1:5672//")


def main() -> int:
    parts = urlsplit(URL)
    if not reachable(parts.hostname or "127.0.0.1", parts.port or 5672):
        print(
            f"SKIPPED the RabbitMQ pass: no RabbitMQ answers at "
            f"{parts.hostname}:{parts.port or 5672} (set XTBATCH_TEST_RABBITMQ_URL)"
        )
        return 0
    os.environ["XTBATCH_BROKER_URL_UNDER_TEST"] = URL
    print(
        "RabbitMQ pass: the acceptance tests again with the broker at "
        f"{parts.hostname}:{parts.port or 5672}",
        flush=True,
    )
    return int(pytest.main(["tests/acceptance", "-m", "not redis_only"]))


if __name__ == "__main__":
    sys.exit(main())
