//! The transport conformance suite, unchanged, over the real RabbitMQ with nodes that send
//! their calls as bincode (`amqp.codec = "bincode"`); replies come back in bincode too.

use clacks_tests::amqp::AmqpFactory;

clacks_tests::conformance_suite!(AmqpFactory::bincode());
