//! The transport conformance suite, unchanged, over the real RabbitMQ.

use clacks_tests::amqp::AmqpFactory;

clacks_tests::conformance_suite!(AmqpFactory::default());
