#!/usr/bin/env python3
"""Print RabbitMQ definitions for one Clacks domain, for `rabbitmqctl import_definitions`.

    deploy/rabbitmq/domain-definitions.py DOMAIN NODE_PASSWORD CALLER_PASSWORD [classic|quorum] > domain.json
    rabbitmqctl import_definitions domain.json

The last argument is the nodes' amqp.queue_type (default classic): D.command.dead is declared
with it, since the broker refuses a node's declaration of a queue of another type.

The domain gets its own vhost (named like the domain) and two users:
  DOMAIN-node    nodes: run plugins, consume command queues, publish replies and events
  DOMAIN-caller  callers: publish calls and read replies, nothing else
Permissions are limited to the domain's own names (PROTOCOL.md, AMQP): configure and read on
^(D\\..*|amq\\.gen.*)$, write on ^(D\\..*|amq\\.default|amq\\.gen.*)$ (binding a server-named
queue to D.event needs write on it; the caller may configure nothing but server-named queues). Passwords are stored as salted SHA-256 hashes, as RabbitMQ does itself.

Subscriptions over AMQP are queues, so the broker caps them (a node cannot: a caller declares its
own server-named queues). Definitions files carry no limits, so set them after the import:
    rabbitmqctl set_vhost_limits -p DOMAIN '{"max-queues": 2048, "max-connections": 512}'
    rabbitmqctl set_user_limits DOMAIN-caller '{"max-connections": 64, "max-channels": 256}'
The vhost cap bounds every queue of the domain (nodes need about one per plugin and node, plus
one per subscription); the caller's channel and connection caps bound how many of them one
caller account can hold open at once (RabbitMQ has no per-user queue limit).
"""
import base64
import hashlib
import json
import os
import re
import sys


def password_hash(password: str) -> str:
    salt = os.urandom(4)
    return base64.b64encode(salt + hashlib.sha256(salt + password.encode()).digest()).decode()


def main(argv):
    if len(argv) not in (4, 5):
        sys.stderr.write(__doc__)
        return 2
    domain, node_password, caller_password = argv[1:4]
    queue_type = argv[4] if len(argv) == 5 else "classic"
    if queue_type not in ("classic", "quorum"):
        sys.stderr.write(f"domain-definitions: queue type '{queue_type}' is not 'classic' or 'quorum' (amqp.queue_type)\n")
        return 2
    # D.command.dead is declared here as the nodes declare it (amqp.queue_type): the broker
    # refuses a declaration whose type differs from the queue's.
    dead_arguments = {"x-queue-type": "quorum"} if queue_type == "quorum" else {}
    if not re.fullmatch(r"[A-Za-z0-9_-]+(\.[A-Za-z0-9_-]+)*", domain):
        sys.stderr.write(f"domain-definitions: '{domain}' is not a domain name (letters, digits, '.', '-', '_')\n")
        return 2
    d = re.escape(domain)
    users = [
        (f"{domain}-node", node_password, f"^({d}\\..*|amq\\.gen.*)$"),
        (f"{domain}-caller", caller_password, "^(amq\\.gen.*)$"),
    ]
    definitions = {
        "rabbit_version": "3.10.0",
        "vhosts": [{"name": domain}],
        "users": [
            {
                "name": name,
                "password_hash": password_hash(password),
                "hashing_algorithm": "rabbit_password_hashing_sha256",
                "tags": "",
            }
            for name, password, _ in users
        ],
        "permissions": [
            {
                "user": name,
                "vhost": domain,
                "configure": configure,
                "write": f"^({d}\\..*|amq\\.default|amq\\.gen.*)$",
                "read": f"^({d}\\..*|amq\\.gen.*)$",
            }
            for name, _, configure in users
        ],
        "exchanges": [
            {"name": f"{domain}.command", "vhost": domain, "type": "direct", "durable": True,
             "auto_delete": False, "internal": False, "arguments": {}},
            {"name": f"{domain}.event", "vhost": domain, "type": "topic", "durable": True,
             "auto_delete": False, "internal": False, "arguments": {}},
        ],
        "queues": [
            {"name": f"{domain}.command.dead", "vhost": domain, "durable": True,
             "auto_delete": False, "arguments": dead_arguments},
        ],
        "bindings": [],
    }
    json.dump(definitions, sys.stdout, indent=2)
    sys.stdout.write("\n")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
