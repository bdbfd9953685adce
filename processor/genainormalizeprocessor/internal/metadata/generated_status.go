// Package metadata holds the component type and stability of genai_normalize.
package metadata

import "go.opentelemetry.io/collector/component"

// Type is the YAML type of the processor.
var Type = component.MustNewType("genai_normalize")

// ScopeName is the instrumentation scope of the processor's own telemetry.
const ScopeName = "github.com/periscope-otel/periscope/processor/genainormalizeprocessor"

const (
	TracesStability = component.StabilityLevelDevelopment
	LogsStability   = component.StabilityLevelDevelopment
)
