// Package metadata holds the component type, scope name and stability levels
// of the genai_judge connector.
package metadata

import "go.opentelemetry.io/collector/component"

var Type = component.MustNewType("genai_judge")

const ScopeName = "github.com/periscope-otel/periscope/connector/genaijudgeconnector"

const (
	TracesToLogsStability = component.StabilityLevelDevelopment
	LogsToLogsStability   = component.StabilityLevelDevelopment
)
