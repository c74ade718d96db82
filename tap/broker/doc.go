// Package broker is shoveltap's one way to a RabbitMQ broker: endpoints and
// credentials, TLS, the AMQP dial, the management API client and the
// explainers that turn a failure into what to do about it (a refusal names
// the missing tag or permission and the rabbitmqctl command that grants
// it). Every call that does I/O takes a context.Context and keeps its
// deadline. The tap, setup, replay, the picker, cleanup, completion and the
// benchmarks all go through it; nothing else talks to rabbit-hole.
package broker
