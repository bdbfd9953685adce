// Package metadata holds the component type and stability of genai_dataset.
package metadata

import "go.opentelemetry.io/collector/component"

var Type = component.MustNewType("genai_dataset")

const ScopeName = "github.com/periscope-otel/periscope/exporter/genaidatasetexporter"

const (
	TracesStability = component.StabilityLevelDevelopment
	LogsStability   = component.StabilityLevelDevelopment
)
