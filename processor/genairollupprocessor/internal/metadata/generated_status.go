// Package metadata holds the component type and stability of genai_rollup.
package metadata

import "go.opentelemetry.io/collector/component"

var Type = component.MustNewType("genai_rollup")

const ScopeName = "github.com/periscope-otel/periscope/processor/genairollupprocessor"

const (
	TracesStability = component.StabilityLevelDevelopment
)
