// Package metadata holds the component type and stability of genai_prompt.
package metadata

import "go.opentelemetry.io/collector/component"

var Type = component.MustNewType("genai_prompt")

const ScopeName = "github.com/periscope-otel/periscope/processor/genaipromptprocessor"

const (
	TracesStability = component.StabilityLevelDevelopment
	LogsStability   = component.StabilityLevelDevelopment
)
