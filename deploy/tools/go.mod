module github.com/periscope-otel/periscope/deploy/tools

go 1.26

require (
	github.com/google/go-containerregistry v0.22.1 // indirect
	go.yaml.in/yaml/v2 v2.4.2 // indirect
	k8s.io/api v0.34.2 // indirect
	k8s.io/apimachinery v0.34.2 // indirect
	sigs.k8s.io/yaml v1.6.0 // indirect
)
