package tap

// Defaults of Config's tuning fields, named so the command line can show
// them as its flag defaults instead of repeating the numbers.
const (
	DefaultPrefetch       = 1000
	DefaultShovelPrefetch = 1000
	DefaultAckMode        = "on-publish" // of an amqp091 shovel
	// DefaultLocalAckMode is a local shovel's: it delivers straight to the
	// tap queue with no flow control, and only waiting for the queue's
	// confirms bounds what it has in flight (see shovelDefinition).
	DefaultLocalAckMode = "on-confirm"
)

// Shovel protocols (Config.ShovelProtocol).
const (
	ShovelAuto    = "auto"    // local where the broker has it, else amqp091
	ShovelLocal   = "local"   // RabbitMQ 4.2+: inside the broker, no AMQP client
	ShovelAMQP091 = "amqp091" // an AMQP 0-9-1 client inside the broker
)

// ShovelProtocols are the values of Config.ShovelProtocol.
var ShovelProtocols = []string{ShovelAuto, ShovelLocal, ShovelAMQP091}
