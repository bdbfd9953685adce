// Package metadata holds the component type and stability of genai_eval.
package metadata

import "go.opentelemetry.io/collector/component"

var Type = component.MustNewType("genai_eval")

const ScopeName = "github.com/periscope-otel/periscope/processor/genaievalprocessor"

const (
	TracesStability = component.StabilityLevelDevelopment
	LogsStability   = component.StabilityLevelDevelopment
)
