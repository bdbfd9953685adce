// Package metadata holds the component type, scope name and stability levels
// of the genai_metrics connector.
package metadata

import "go.opentelemetry.io/collector/component"

var Type = component.MustNewType("genai_metrics")

const ScopeName = "github.com/periscope-otel/periscope/connector/genaimetricsconnector"

const (
	TracesToMetricsStability = component.StabilityLevelDevelopment
	LogsToMetricsStability   = component.StabilityLevelDevelopment
)
