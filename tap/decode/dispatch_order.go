package decode

func init() {
	// Header checks first (cheap and unambiguous), then body shapes from
	// most to least specific. Generic rendering is the fallback.
	recognisers = []recogniser{
		recogniseCeleryV2,
		recogniseSpring,
		recogniseNServiceBus,
		recogniseMassTransit,
		recogniseCeleryEvent,
		recogniseCeleryResult,
		recogniseCeleryV1,
		recogniseOslo,
		recognisePickle,
	}
}
