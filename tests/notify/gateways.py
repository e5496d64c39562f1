"""Stand-ins for external gateways (an SMS provider that fails, then recovers). They are
configured through the real settings hook (NOTIFY_BACKENDS), like a production gateway."""

SENT: list = []
FAILURES = {"left": 0}


class FlakySMSGateway:
    """Fails while FAILURES["left"] > 0, then accepts; records what it accepted."""

    def send(self, message) -> None:
        if FAILURES["left"] > 0:
            FAILURES["left"] -= 1
            raise ConnectionError("gateway timeout")
        SENT.append((message.to, message.title, message.key))
