#!/usr/bin/env python3
"""Calling Clacks over HTTP JSON-RPC with the Python standard library only.

    python3 clacks_http.py http://127.0.0.1:8080/rpc      # runs the demo below

As a module:

    from clacks_http import Clacks, ClacksError
    clacks = Clacks("http://127.0.0.1:8080/rpc")
    clacks.call("core.ping")                              # any node
    clacks.call("host.load", node="n2")                   # one node ("node" member, call_on)
    clacks.call("core.restart", {"path": "node/plugins/host"}, node="n2")  # arguments by name
    tree = clacks.call("core.actor_tree")                 # CUMULATIVE: one answer per node
    tree["responded"], tree["failed"], tree["missing"]
    for event in clacks.events(names=["NodeStatus"], xpath="//e:NodeStatus[e:Id = 'n2']"):
        print(event["origin"], event["xml"])              # filtered by the node (SSE)

A JSON-RPC error raises ClacksError with .code, .message and .data (data["kind"] names it:
method_not_found, invalid_params, timeout, unavailable, ...; PROTOCOL.md lists them).
"""
import itertools
import json
import sys
import time
import urllib.error
import urllib.parse
import urllib.request


class ClacksError(Exception):
    """A JSON-RPC error answered by the domain."""

    def __init__(self, error):
        self.code = error.get("code")
        self.message = error.get("message", "")
        self.data = error.get("data") or {}
        super().__init__(f"{self.code} {self.data.get('kind', 'error')}: {self.message}")


class Clacks:
    """One node's gateway: `http://HOST:PORT/rpc`."""

    def __init__(self, url, timeout=30.0):
        self.url = url
        self.timeout = timeout
        self._ids = itertools.count(1)

    def call(self, method, params=None, node=None, timeout=None):
        """Calls METHOD with params (a list: by position; a dict: by name) and returns the
        result, or raises ClacksError. `node` runs it on that node only."""
        timeout = self.timeout if timeout is None else timeout
        request = {"jsonrpc": "2.0", "id": next(self._ids), "method": method}
        if params is not None:
            request["params"] = params
        if node is not None:
            request["node"] = node
        deadline_ms = int((time.time() + timeout) * 1000)
        http = urllib.request.Request(
            self.url,
            data=json.dumps(request).encode(),
            headers={"Content-Type": "application/json", "x-deadline": str(deadline_ms)},
            method="POST",
        )
        # A little longer than the deadline, so the node's own timeout error arrives.
        with urllib.request.urlopen(http, timeout=timeout + 2) as answer:
            response = json.load(answer)
        if "error" in response:
            raise ClacksError(response["error"])
        return response["result"]

    def events(self, names=(), xpath=None, namespaces=None, timeout=60.0):
        """Yields the domain's events as {"event", "origin", "xml"} from the node's
        Server-Sent-Events stream; `names` and the XPath filter (prefix `e` is the events
        namespace) are applied by the node. Stops after `timeout` seconds of silence."""
        query = [("name", n) for n in names]
        if xpath:
            query.append(("filter", xpath))
        for prefix, uri in (namespaces or {}).items():
            query.append(("ns", f"{prefix}={uri}"))
        base = self.url[: -len("/rpc")] if self.url.endswith("/rpc") else self.url.rstrip("/")
        url = f"{base}/events?{urllib.parse.urlencode(query)}"
        with urllib.request.urlopen(url, timeout=timeout) as stream:
            event = {"event": "", "origin": "", "xml": []}
            for raw in stream:
                line = raw.decode("utf-8").rstrip("\r\n")
                if line == "":
                    if event["xml"]:
                        yield {**event, "xml": "\n".join(event["xml"])}
                    event = {"event": "", "origin": "", "xml": []}
                elif line.startswith(":"):
                    continue  # a comment: subscribed, keepalive
                else:
                    field, _, value = line.partition(":")
                    value = value[1:] if value.startswith(" ") else value
                    if field == "data":
                        event["xml"].append(value)
                    elif field in ("event", "origin"):
                        event[field] = value


def demo(url):
    """Every kind of call once; prints one JSON line per check, exits 1 if one fails."""
    clacks = Clacks(url, timeout=10)
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

    xpath = f"//e:NodeStatus[e:Id = '{last}']"
    event = next(clacks.events(names=["NodeStatus"], xpath=xpath, timeout=30))
    check("events", event["origin"] == last and f"<Id>{last}</Id>" in event["xml"],
          origin=event["origin"])
    return 0 if all(checks) else 1


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    try:
        sys.exit(demo(sys.argv[1]))
    except (urllib.error.URLError, OSError) as e:
        sys.exit(f"clacks_http: cannot reach {sys.argv[1]}: {e}")
