// Package metadata holds the component type and stability of genai_cost.
package metadata

import "go.opentelemetry.io/collector/component"

var Type = component.MustNewType("genai_cost")

const ScopeName = "github.com/periscope-otel/periscope/processor/genaicostprocessor"

const (
	TracesStability = component.StabilityLevelDevelopment
	LogsStability   = component.StabilityLevelDevelopment
)
