package tap

// Defaults of Config's tuning fields, named so the command line can show
// them as its flag defaults instead of repeating the numbers.
const (
	DefaultPrefetch       = 1000
	DefaultShovelPrefetch = 1000
	DefaultAckMode        = "on-publish"
)
