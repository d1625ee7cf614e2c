#!/usr/bin/env python3
"""Calling Clacks over AMQP (RabbitMQ) with a stock client library, pika.

    pip install pika
    python3 clacks_amqp.py amqp://D-caller:PASSWORD@127.0.0.1:5672/D D     # runs the demo below

As a module:

    from clacks_amqp import Clacks, ClacksError
    clacks = Clacks("amqp://org.clacks-caller:secret@broker:5672/org.clacks", "org.clacks")
    clacks.call("core.ping")                         # routing key "core": any node with core
    clacks.call("host.load", node="n2")              # routing key "host.n2": that node only
    tree = clacks.call("core.actor_tree")            # CUMULATIVE: {"results", "responded", ...}
    for event in clacks.events(["NodeStatus"], match=lambda xml: xml.find(".//e:Id", NS).text == "n2"):
        ...                                          # filtered here, in Python
    clacks.close()

The request is a JSON-RPC 2.0 object published to the exchange D.command with routing key
PLUGIN (or PLUGIN.NODE), `reply_to` RabbitMQ's direct reply-to, a `correlation_id`, the header
`x-deadline` (Unix ms) and `expiration`; the reply comes back with the same correlation_id
(PROTOCOL.md, AMQP). Events are read from a server-named queue bound to D.event by event type.
"""
import json
import sys
import time
import uuid
import xml.etree.ElementTree as ElementTree
from urllib.parse import unquote, urlparse

import pika

EVENTS = "http://www.gonicus.de/Events"
NS = {"e": EVENTS}
REPLY_TO = "amq.rabbitmq.reply-to"


class ClacksError(Exception):
    """A JSON-RPC error answered by the domain (or -32000/-32002 raised here)."""

    def __init__(self, error):
        self.code = error.get("code")
        self.message = error.get("message", "")
        self.data = error.get("data") or {}
        super().__init__(f"{self.code} {self.data.get('kind', 'error')}: {self.message}")


class Clacks:
    """A caller of domain `domain` on the broker at `url`."""

    def __init__(self, url, domain, timeout=30.0):
        self.domain = domain
        self.timeout = timeout
        self.user = unquote(urlparse(url).username or "guest")
        self.connection = pika.BlockingConnection(pika.URLParameters(url))
        self.channel = self.connection.channel()
        self.channel.confirm_delivery()  # unroutable calls fail at once (mandatory publish)
        self._replies = {}
        self.channel.basic_consume(REPLY_TO, self._on_reply, auto_ack=True)

    def _on_reply(self, _channel, _method, properties, body):
        self._replies[properties.correlation_id] = json.loads(body)

    def call(self, method, params=None, node=None, timeout=None):
        """Calls METHOD with params (a list: by position; a dict: by name) and returns the
        result, or raises ClacksError. `node` runs it on that node only."""
        timeout = self.timeout if timeout is None else timeout
        plugin = method.split(".", 1)[0]
        key = plugin if node is None else f"{plugin}.{node}"
        correlation = uuid.uuid4().hex
        request = {"jsonrpc": "2.0", "id": correlation, "method": method}
        if params is not None:
            request["params"] = params
        deadline_ms = int((time.time() + timeout) * 1000)
        properties = pika.BasicProperties(
            content_type="application/json",
            reply_to=REPLY_TO,
            correlation_id=correlation,
            user_id=self.user,
            headers={"x-deadline": deadline_ms},
            expiration=str(int(timeout * 1000)),
            delivery_mode=1,
        )
        try:
            self.channel.basic_publish(f"{self.domain}.command", key, json.dumps(request),
                                       properties, mandatory=True)
        except pika.exceptions.UnroutableError:
            raise ClacksError({"code": -32002, "message": f"nobody serves {key}",
                               "data": {"kind": "unavailable", "plugin": plugin}})
        until = time.monotonic() + timeout
        while correlation not in self._replies:
            left = until - time.monotonic()
            if left <= 0:
                raise ClacksError({"code": -32000, "message": f"no answer to {method} in time",
                                   "data": {"kind": "timeout", "method": method}})
            self.connection.process_data_events(time_limit=min(left, 0.5))
        response = self._replies.pop(correlation)
        if "error" in response:
            raise ClacksError(response["error"])
        return response["result"]

    def events(self, names, match=None, timeout=60.0):
        """Yields {"event", "origin", "xml"} for the domain's events of type `names`, those
        for which match(element) holds (the parsed event element; prefix `e` in NS). Stops
        after `timeout` seconds of silence."""
        channel = self.connection.channel()
        queue = channel.queue_declare("", exclusive=True, auto_delete=True).method.queue
        for name in names:
            channel.queue_bind(queue, f"{self.domain}.event", routing_key=name)
        try:
            for method, properties, body in channel.consume(queue, auto_ack=True,
                                                            inactivity_timeout=timeout):
                if method is None:
                    return
                root = ElementTree.fromstring(body)
                # The envelope <Event> holds the event; a bare event is taken as it is.
                event = root[0] if root.tag == f"{{{EVENTS}}}Event" and len(root) else root
                if match is None or match(event):
                    yield {"event": event.tag.split("}")[-1], "origin": properties.app_id,
                           "xml": body.decode("utf-8")}
        finally:
            channel.close()

    def close(self):
        self.connection.close()


def demo(url, domain):
    """Every kind of call once; prints one JSON line per check, exits 1 if one fails."""
    clacks = Clacks(url, domain, timeout=10)
    checks = []

    def check(name, ok, **details):
        checks.append(ok)
        print(json.dumps({"check": name, "ok": bool(ok), **details}), flush=True)

    pong = clacks.call("core.ping")
    check("ping", pong.get("pong") is True, node=pong.get("node"))

    nodes = sorted(n["name"] for n in clacks.call("core.nodes"))
    check("nodes", len(nodes) >= 1, nodes=nodes)

    tree = clacks.call("core.actor_tree")  # CUMULATIVE
    check("cumulative", tree["responded"] == nodes and not tree["failed"],
          responded=tree["responded"], missing=tree["missing"])

    last = nodes[-1]
    load = clacks.call("host.load", node=last)
    check("call_on", "load" in load, node=last)

    departed = clacks.call("core.departed", {"plugin": "host"})  # arguments by name
    check("named_arguments", departed == [], departed=departed)

    try:
        clacks.call("core.nope")
        check("error", False)
    except ClacksError as e:
        check("error", e.code == -32601 and e.data.get("kind") == "method_not_found", code=e.code)

    try:
        clacks.call("core.ping", node="nobody")
        check("unroutable", False)
    except ClacksError as e:
        check("unroutable", e.code == -32002, code=e.code)

    def from_last(event):
        found = event.find("e:Id", NS)
        return found is not None and found.text == last

    event = next(clacks.events(["NodeStatus"], match=from_last, timeout=30))
    check("events", event["origin"] == last and f"<Id>{last}</Id>" in event["xml"],
          origin=event["origin"])
    clacks.close()
    return 0 if all(checks) else 1


if __name__ == "__main__":
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    try:
        sys.exit(demo(sys.argv[1], sys.argv[2]))
    except pika.exceptions.AMQPConnectionError as e:
        sys.exit(f"clacks_amqp: cannot reach the broker: {e!r}")
