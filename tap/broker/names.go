package broker

// Prefix starts the name of everything shoveltap creates on a broker, so an
// operator recognises it and cleanup finds it.
const Prefix = "shoveltap-"

// MirrorPrefix starts the names of `shoveltap setup`'s lasting objects,
// which sweeps and cleanups of taps leave alone.
const MirrorPrefix = "shoveltap-mirror-"
